/*
 * config.h: the loaded configuration, the one piece of global state.
 *
 * Settings come from three places, first match wins: the process
 * environment (never for names starting HTTP_, which carry request
 * headers under CGI), the .env file (CGIAUTH_ENV_FILE, default
 * <root>/.env), and the default in the settings table.  Site structure
 * (which providers, app_name, ...) comes from tune.json
 * (CGIAUTH_TUNE_FILE, default <root>/tune.json), whose string values may
 * name settings as ${NAME}.
 * <root> is CGIAUTH_ROOT, default the source tree the binaries were built
 * from.  Each setting is one row of the table in config.c.
 *
 * A route loads the configuration once, at start, and passes it as const.
 */
#ifndef CA_CONFIG_H
#define CA_CONFIG_H

#include <cJSON.h>

#include "err.h"

/* .env and tune.json files larger than this are refused (256 KiB). */
#define CA_CONFIG_FILE_MAX	(256 * 1024)
/* A setting's value at most (8 KiB). */
#define CA_CONFIG_VALUE_MAX	(8 * 1024)

enum ca_setting {
	CA_SET_ENVIRONMENT,		/* "development" or "production" */
	CA_SET_SITE_URL,		/* public origin, e.g. https://a.b */
	CA_SET_MONGODB_URI,		/* the database */
	CA_SET_TEMPLATES_DIR,		/* page and mail templates */
	CA_SET_SESSION_KEY,		/* signs cookies and CSRF tokens */
	CA_SET_SESSION_MAX_AGE,		/* seconds a session lives */
	CA_SET_SESSION_COOKIE_NAME,	/* the session cookie's name */
	CA_SET_SESSION_COOKIE_SECURE,	/* add Secure to cookies */
	CA_SET_SESSION_COOKIE_SAMESITE,	/* lax, strict or none */
	CA_SET_GOOGLE_CLIENT_ID,	/* built-in google provider */
	CA_SET_GOOGLE_CLIENT_SECRET,
	CA_SET_GITHUB_CLIENT_ID,	/* built-in github provider */
	CA_SET_GITHUB_CLIENT_SECRET,
	CA_SET_FIELD_ENCRYPTION_KEY,	/* Fernet key for app secrets */
	CA_SET_FROM_EMAIL,		/* sender of magic links */
	CA_SET_MAIL_RESEND_API_KEY,
	CA_SET_MAIL_MAILJET_API_KEY,
	CA_SET_MAIL_MAILJET_API_SECRET,
	CA_SET_OUTBOUND_TIMEOUT,	/* seconds for outbound calls */
	CA_SET__MAX
};

struct ca_config_kv {
	char	*name;
	char	*value;
};

struct ca_config {
	char			*root;		/* where tune.json etc. live */
	char			*values[CA_SET__MAX]; /* resolved settings */
	long			 max_age;	/* SESSION_MAX_AGE, checked */
	long			 http_timeout;	/* OUTBOUND_TIMEOUT, checked */
	int			 secure;	/* SESSION_COOKIE_SECURE */
	int			 development;	/* ENVIRONMENT=development */
	struct ca_config_kv	*dotenv;	/* every pair of .env */
	size_t			 ndotenv;
	cJSON			*tune;		/* tune.json, ${} expanded */
};

/*
 * Loads everything.  On CA_OK *cfg is the caller's, freed with
 * ca_config_free().  On failure *cfg is NULL and err (errsz bytes, may be
 * NULL) says which file or setting is wrong, never its value when it is
 * a secret.
 */
enum ca_err	ca_config_load(struct ca_config **cfg, char *err,
		    size_t errsz) CA_WUR;
void		ca_config_free(struct ca_config *);

/* A setting's value, or NULL when unset and without a default. */
const char	*ca_config_get(const struct ca_config *, enum ca_setting);
/* Any name: the environment, then .env; NULL when neither has it. */
const char	*ca_config_lookup(const struct ca_config *, const char *);
/* The setting's name, e.g. "SESSION_KEY". */
const char	*ca_config_name(enum ca_setting);
/*
 * CA_OK when SESSION_KEY is usable: set, at least 32 bytes, not the
 * placeholder of .env.example.  Outside development a bad key stops every
 * route; in development a fixed development key is used instead and the
 * event is logged.
 */
enum ca_err	ca_config_session_key(const struct ca_config *,
		    const char **key, size_t *keylen) CA_WUR;

#endif
