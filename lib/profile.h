/*
 * profile.h: what a provider said about the person signing in, reduced to
 * the fields account linking needs.  The oauth module fills it from the
 * userinfo (and GitHub's /user/emails); the link module consumes it.
 */
#ifndef CA_PROFILE_H
#define CA_PROFILE_H

struct ca_profile {
	char	*provider;		/* provider name, e.g. "google" */
	char	*provider_user_id;	/* the identifier, always a string */
	char	*email;			/* NULL when the provider gave none */
	int	 email_verified;	/* 1 when the provider vouches */
	char	*name;			/* NULL when absent */
	char	*picture;		/* NULL when absent */
	char	*app_id;		/* database-backed app, or NULL */
};

/* Frees every field (ca_free) and zeroes the struct; accepts NULL. */
void	ca_profile_free(struct ca_profile *);

#endif
