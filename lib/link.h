/*
 * link.h: account linking, the guide's three cases, over the unique index
 * on oauth_accounts {provider, provider_user_id}.
 *
 * Given what a provider said (struct ca_profile), ca_link_resolve()
 * decides which user signs in and writes the users and oauth_accounts
 * documents vibetuner shares (DESIGN.md, "Database"):
 *	- a known OAuth account signs in its user, whatever e-mail the
 *	  provider now gives; the account document gets the new e-mail,
 *	  name and picture, the user document keeps its own;
 *	- a new OAuth account whose e-mail matches a user's (ignoring case)
 *	  joins that user only when the provider vouches for the address
 *	  (email_verified) or is trusted for e-mail; else nothing is written;
 *	- a new OAuth account without a match creates the user and the link.
 * A user document gets an e-mail only from a vouched profile: an
 * unvouched address is kept on the OAuth account alone and the new user
 * has email null.  Else whoever claims someone's address at a provider
 * that does not check it would own a user holding that address, and the
 * owner's later vouched sign-in would be linked into it (account
 * pre-hijacking).  "Vouched" is email_verified in the profile (the oauth
 * module sets it for a GitHub verified primary e-mail too) or the
 * provider's trust_email.
 */
#ifndef CA_LINK_H
#define CA_LINK_H

#include "err.h"
#include "profile.h"
#include "store.h"

/* Longest accepted fields of a profile; longer ones are CA_ETOOBIG. */
#define CA_LINK_ID_MAX		256	/* provider_user_id */
#define CA_LINK_EMAIL_MAX	320	/* RFC 3696 errata: 64 + 1 + 255 */
/* provider, name, picture and app_id */
#define CA_LINK_FIELD_MAX	4096

enum ca_link_outcome {
	CA_LINK_SIGNED_IN,	/* known oauth account: its user */
	CA_LINK_LINKED,		/* new oauth account joined by e-mail */
	CA_LINK_CREATED,	/* new user and oauth account */
	CA_LINK_EMAIL_TAKEN,	/* e-mail matches, not vouched: no write */
	CA_LINK_NO_ID,		/* profile without identifier: no write */
	CA_LINK__MAX
};

struct ca_link_result {
	enum ca_link_outcome	outcome;
	/* The user; for email_taken the one holding the e-mail; "" for no_id */
	char			user_id[CA_STORE_OID_HEX];
};

/* "signed_in", "linked", "created", "email_taken", "no_id"; never NULL. */
const char	*ca_link_outcome_name(enum ca_link_outcome);

/*
 * Resolves the profile to a user, writing what the case needs.  CA_OK
 * with out->outcome set (see above); CA_EINVAL without a provider;
 * CA_ETOOBIG for an oversized field; CA_ENOTFOUND when the OAuth account
 * exists but its user does not: its user_id names no user (the user was
 * deleted) or, for an account without user_id, no user's DBRef list
 * names it; nothing is written then, and nobody may be signed in (the
 * caller shows a page); CA_EDB when the database fails.  On any error
 * out->user_id is "".  Empty strings in the profile count as absent and
 * are stored as null.  Two requests racing to create the same account
 * both end signed in as the winner's user, and the loser leaves nothing
 * behind.  Nothing is allocated for the caller.
 */
enum ca_err	ca_link_resolve(struct ca_store *, const struct ca_profile *,
		    int trust_email, struct ca_link_result *out) CA_WUR;

#endif
