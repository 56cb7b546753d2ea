/*
 * config.c: settings (environment, then .env, then defaults) and
 * tune.json, loaded once per process (see config.h).
 *
 * Every setting is one row of ca_settings[] below: its name, its default,
 * its kind and, for numbers, its range.  A value outside its range is an
 * error, never clamped, so a typo in SESSION_MAX_AGE cannot silently give
 * sessions that never end.
 *
 * .env grammar, one pair a line: [export] NAME=value, where value may be
 * wrapped in single or double quotes; blank lines and lines starting with
 * '#' are ignored.  Anything else is an error naming the line.
 *
 * tune.json strings may contain ${NAME} or ${NAME:-default}; NAME is
 * looked up like any setting.  An unset NAME without a default is an
 * error, so a provider never silently gets an empty client id.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "config.h"
#include "log.h"

#ifndef CA_SOURCE_ROOT
#define CA_SOURCE_ROOT "."
#endif

/* Refuse keys shorter than this: 32 bytes, 256 bits of secret at best. */
#define CA_SESSION_KEY_MIN	32
/* The placeholder .env.example ships; a site that kept it is refused. */
#define CA_SESSION_KEY_PLACEHOLDER "change-me"
/* Used only with ENVIRONMENT=development when SESSION_KEY is unusable. */
#define CA_SESSION_KEY_DEV	"cgiauth-development-only-session-key-0000"
/* ${...} expansion may nest this deep inside tune.json. */
#define CA_CONFIG_JSON_DEPTH	32
/* A .env line at most. */
#define CA_CONFIG_LINE_MAX	(CA_CONFIG_VALUE_MAX + 256)

enum ca_kind {
	CA_KIND_STR,	/* any text */
	CA_KIND_INT,	/* decimal, within [min, max] */
	CA_KIND_BOOL,	/* true/false/1/0/yes/no/on/off, or empty for auto */
	CA_KIND__MAX
};

struct ca_setting_row {
	const char	*name;
	const char	*def;	/* NULL: no default */
	enum ca_kind	 kind;
	long		 min;
	long		 max;
};

static const struct ca_setting_row ca_settings[CA_SET__MAX] = {
	{ "ENVIRONMENT", "production", CA_KIND_STR, 0, 0 },
	{ "SITE_URL", "http://127.0.0.1:8000", CA_KIND_STR, 0, 0 },
	{ "MONGODB_URI", "mongodb://127.0.0.1:27018/cgiauth", CA_KIND_STR,
	    0, 0 },
	{ "TEMPLATES_DIR", NULL, CA_KIND_STR, 0, 0 },
	{ "SESSION_KEY", NULL, CA_KIND_STR, 0, 0 },
	/* 30 days, as the guide; at least a minute, at most a year. */
	{ "SESSION_MAX_AGE", "2592000", CA_KIND_INT, 60, 31536000 },
	{ "SESSION_COOKIE_NAME", "session", CA_KIND_STR, 0, 0 },
	/* Empty: Secure exactly when SITE_URL is https. */
	{ "SESSION_COOKIE_SECURE", "", CA_KIND_BOOL, 0, 0 },
	{ "SESSION_COOKIE_SAMESITE", "lax", CA_KIND_STR, 0, 0 },
	{ "GOOGLE_CLIENT_ID", NULL, CA_KIND_STR, 0, 0 },
	{ "GOOGLE_CLIENT_SECRET", NULL, CA_KIND_STR, 0, 0 },
	{ "GITHUB_CLIENT_ID", NULL, CA_KIND_STR, 0, 0 },
	{ "GITHUB_CLIENT_SECRET", NULL, CA_KIND_STR, 0, 0 },
	{ "FIELD_ENCRYPTION_KEY", NULL, CA_KIND_STR, 0, 0 },
	{ "FROM_EMAIL", NULL, CA_KIND_STR, 0, 0 },
	{ "MAIL_RESEND_API_KEY", NULL, CA_KIND_STR, 0, 0 },
	{ "MAIL_MAILJET_API_KEY", NULL, CA_KIND_STR, 0, 0 },
	{ "MAIL_MAILJET_API_SECRET", NULL, CA_KIND_STR, 0, 0 },
	/* Outbound HTTP: 10 s by default, never unbounded. */
	{ "OUTBOUND_TIMEOUT", "10", CA_KIND_INT, 1, 120 },
};

static void
ca_config_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

const char *
ca_config_name(enum ca_setting s)
{

	if ((int)s < 0 || s >= CA_SET__MAX)
		return "?";
	return ca_settings[s].name;
}

/*
 * Reads a whole file of at most CA_CONFIG_FILE_MAX bytes into *out
 * (freed by the caller with ca_free()).  CA_ENOTFOUND when it does not
 * exist.
 */
static enum ca_err
ca_config_slurp(const char *path, char **out, size_t *lenp)
{
	FILE		*f = NULL;
	struct ca_buf	 b;
	char		 chunk[4096];
	size_t		 n;
	enum ca_err	 rc = CA_EIO;

	ca_buf_init(&b, CA_CONFIG_FILE_MAX);
	*out = NULL;
	f = fopen(path, "r");
	if (f == NULL) {
		rc = errno == ENOENT ? CA_ENOTFOUND : CA_EIO;
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = ca_buf_add(&b, chunk, n);
		if (rc != CA_OK)
			goto out;
	}
	if (ferror(f)) {
		rc = CA_EIO;
		goto out;
	}
	if (lenp != NULL)
		*lenp = b.len;
	*out = ca_buf_take(&b);
	rc = *out == NULL ? CA_ENOMEM : CA_OK;
out:
	if (f != NULL)
		fclose(f);
	ca_buf_free(&b);
	return rc;
}

static int
ca_config_namechar(int c, int first)
{

	if (c == '_' || isupper(c) || islower(c))
		return 1;
	return !first && isdigit(c);
}

static enum ca_err
ca_config_dotenv_add(struct ca_config *cfg, const char *name, size_t nlen,
    const char *val, size_t vlen)
{
	struct ca_config_kv	*kv;

	kv = ca_realloc(cfg->dotenv, (cfg->ndotenv + 1) * sizeof(*kv));
	if (kv == NULL)
		return CA_ENOMEM;
	cfg->dotenv = kv;
	kv = &cfg->dotenv[cfg->ndotenv];
	kv->name = ca_strndup(name, nlen);
	kv->value = ca_strndup(val, vlen);
	if (kv->name == NULL || kv->value == NULL) {
		ca_free(kv->name);
		ca_free(kv->value);
		return CA_ENOMEM;
	}
	cfg->ndotenv++;
	return CA_OK;
}

/* Parses .env text (grammar at the top of this file). */
static enum ca_err
ca_config_dotenv(struct ca_config *cfg, const char *path, const char *text,
    char *err, size_t errsz)
{
	const char	*p, *eol, *name, *val, *end;
	size_t		 line = 0, nlen, vlen;
	enum ca_err	 rc;

	for (p = text; *p != '\0'; p = *eol == '\0' ? eol : eol + 1) {
		line++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		end = eol;
		if (end > p && end[-1] == '\r')
			end--;
		if ((size_t)(end - p) > CA_CONFIG_LINE_MAX)
			goto bad;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#')
			continue;
		if ((size_t)(end - p) > 7 && strncmp(p, "export ", 7) == 0)
			p += 7;
		name = p;
		while (p < end && ca_config_namechar((unsigned char)*p,
		    p == name))
			p++;
		nlen = (size_t)(p - name);
		if (nlen == 0 || p == end || *p != '=')
			goto bad;
		val = p + 1;
		while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		vlen = (size_t)(end - val);
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[vlen - 1] == val[0]) {
			val++;
			vlen -= 2;
		}
		if (vlen > CA_CONFIG_VALUE_MAX)
			goto bad;
		rc = ca_config_dotenv_add(cfg, name, nlen, val, vlen);
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
bad:
	ca_config_err(err, errsz, "%s line %zu: expected NAME=value", path,
	    line);
	return CA_ECONFIG;
}

const char *
ca_config_lookup(const struct ca_config *cfg, const char *name)
{
	const char	*v;
	size_t		 i;

	/*
	 * RFC 3875 4.1.18: a CGI program sees each request header Foo as the
	 * variable HTTP_FOO, so no setting may be read from an HTTP_ name in
	 * the environment, or any visitor could set it.  .env still may.
	 */
	v = strncmp(name, "HTTP_", 5) == 0 ? NULL : getenv(name);
	if (v != NULL)
		return v;
	if (cfg == NULL)
		return NULL;
	/* The last assignment in .env wins, as in a shell. */
	for (i = cfg->ndotenv; i > 0; i--)
		if (strcmp(cfg->dotenv[i - 1].name, name) == 0)
			return cfg->dotenv[i - 1].value;
	return NULL;
}

const char *
ca_config_get(const struct ca_config *cfg, enum ca_setting s)
{

	if (cfg == NULL || (int)s < 0 || s >= CA_SET__MAX)
		return NULL;
	return cfg->values[s];
}

static enum ca_err
ca_config_long(const char *name, const char *v, long min, long max,
    long *out, char *err, size_t errsz)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
		ca_config_err(err, errsz, "%s must be a whole number from "
		    "%ld to %ld", name, min, max);
		return CA_ECONFIG;
	}
	*out = n;
	return CA_OK;
}

/* 1, 0, or -1 for empty ("auto"); -2 for nonsense. */
static int
ca_config_bool(const char *v)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t	 i;

	if (*v == '\0')
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -2;
}

/* Expands ${NAME} and ${NAME:-default} in s into a new string in *out. */
static enum ca_err
ca_config_expand(const struct ca_config *cfg, const char *s, char **out,
    char *err, size_t errsz)
{
	struct ca_buf	 b;
	const char	*p, *close, *dash, *v;
	char		*name = NULL;
	size_t		 nlen;
	enum ca_err	 rc;

	ca_buf_init(&b, CA_CONFIG_VALUE_MAX);
	*out = NULL;
	for (p = s; *p != '\0'; p++) {
		if (p[0] != '$' || p[1] != '{') {
			rc = ca_buf_putc(&b, *p);
			if (rc != CA_OK)
				goto out;
			continue;
		}
		close = strchr(p + 2, '}');
		if (close == NULL) {
			ca_config_err(err, errsz, "tune.json: unclosed ${ in "
			    "\"%.40s\"", s);
			rc = CA_ECONFIG;
			goto out;
		}
		dash = strstr(p + 2, ":-");
		if (dash != NULL && dash > close)
			dash = NULL;
		nlen = (size_t)((dash != NULL ? dash : close) - (p + 2));
		ca_free(name);
		name = ca_strndup(p + 2, nlen);
		if (name == NULL) {
			rc = CA_ENOMEM;
			goto out;
		}
		v = ca_config_lookup(cfg, name);
		if (v == NULL || *v == '\0') {
			if (dash == NULL) {
				ca_config_err(err, errsz, "tune.json names "
				    "${%s}, which is not set", name);
				rc = CA_ECONFIG;
				goto out;
			}
			rc = ca_buf_add(&b, dash + 2,
			    (size_t)(close - (dash + 2)));
		} else
			rc = ca_buf_puts(&b, v);
		if (rc != CA_OK)
			goto out;
		p = close;
	}
	*out = ca_buf_take(&b);
	rc = *out == NULL ? CA_ENOMEM : CA_OK;
out:
	if (rc == CA_ETOOBIG)
		ca_config_err(err, errsz, "tune.json: a value is longer "
		    "than %d bytes", CA_CONFIG_VALUE_MAX);
	ca_free(name);
	ca_buf_free(&b);
	return rc;
}

static enum ca_err
ca_config_expand_json(const struct ca_config *cfg, cJSON *j, int depth,
    char *err, size_t errsz)
{
	cJSON		*c;
	char		*s;
	enum ca_err	 rc;

	if (depth > CA_CONFIG_JSON_DEPTH) {
		ca_config_err(err, errsz, "tune.json is nested too deep");
		return CA_ECONFIG;
	}
	if (cJSON_IsString(j) && strstr(j->valuestring, "${") != NULL) {
		rc = ca_config_expand(cfg, j->valuestring, &s, err, errsz);
		if (rc != CA_OK)
			return rc;
		/* cJSON frees valuestring with its own allocator hooks. */
		if (cJSON_SetValuestring(j, s) == NULL) {
			ca_free(s);
			return CA_ENOMEM;
		}
		ca_free(s);
		return CA_OK;
	}
	for (c = j->child; c != NULL; c = c->next) {
		rc = ca_config_expand_json(cfg, c, depth + 1, err, errsz);
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

static enum ca_err
ca_config_path(struct ca_config *cfg, const char *envname,
    const char *file, char **out)
{
	const char	*v;
	struct ca_buf	 b;
	enum ca_err	 rc;

	v = getenv(envname);
	if (v != NULL && *v != '\0') {
		*out = ca_strdup(v);
		return *out == NULL ? CA_ENOMEM : CA_OK;
	}
	ca_buf_init(&b, CA_CONFIG_VALUE_MAX);
	rc = ca_buf_printf(&b, "%s/%s", cfg->root, file);
	if (rc == CA_OK) {
		*out = ca_buf_take(&b);
		rc = *out == NULL ? CA_ENOMEM : CA_OK;
	}
	ca_buf_free(&b);
	return rc;
}

/* Resolves and checks every row of ca_settings[]. */
static enum ca_err
ca_config_settings(struct ca_config *cfg, char *err, size_t errsz)
{
	const struct ca_setting_row	*row;
	const char			*v, *ss;
	size_t				 i, len;
	int				 bv;
	enum ca_err			 rc;

	for (i = 0; i < CA_SET__MAX; i++) {
		row = &ca_settings[i];
		v = ca_config_lookup(cfg, row->name);
		/* An empty value, as .env.example has them, means unset. */
		if (v == NULL || *v == '\0')
			v = row->def;
		if (v == NULL)
			continue;
		if (strlen(v) > CA_CONFIG_VALUE_MAX) {
			ca_config_err(err, errsz, "%s is longer than %d "
			    "bytes", row->name, CA_CONFIG_VALUE_MAX);
			return CA_ECONFIG;
		}
		cfg->values[i] = ca_strdup(v);
		if (cfg->values[i] == NULL)
			return CA_ENOMEM;
	}
	if (cfg->values[CA_SET_TEMPLATES_DIR] == NULL) {
		rc = ca_config_path(cfg, "CGIAUTH_NO_SUCH_VARIABLE",
		    "templates", &cfg->values[CA_SET_TEMPLATES_DIR]);
		if (rc != CA_OK)
			return rc;
	}
	rc = ca_config_long("SESSION_MAX_AGE",
	    cfg->values[CA_SET_SESSION_MAX_AGE],
	    ca_settings[CA_SET_SESSION_MAX_AGE].min,
	    ca_settings[CA_SET_SESSION_MAX_AGE].max, &cfg->max_age, err, errsz);
	if (rc != CA_OK)
		return rc;
	rc = ca_config_long("OUTBOUND_TIMEOUT",
	    cfg->values[CA_SET_OUTBOUND_TIMEOUT],
	    ca_settings[CA_SET_OUTBOUND_TIMEOUT].min,
	    ca_settings[CA_SET_OUTBOUND_TIMEOUT].max, &cfg->http_timeout,
	    err, errsz);
	if (rc != CA_OK)
		return rc;

	v = cfg->values[CA_SET_SITE_URL];
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		ca_config_err(err, errsz, "SITE_URL must start with "
		    "http:// or https://");
		return CA_ECONFIG;
	}
	/* Absolute links are built as SITE_URL + path: no trailing '/'. */
	len = strlen(v);
	while (len > 0 && v[len - 1] == '/')
		cfg->values[CA_SET_SITE_URL][--len] = '\0';

	bv = ca_config_bool(cfg->values[CA_SET_SESSION_COOKIE_SECURE]);
	if (bv == -2) {
		ca_config_err(err, errsz, "SESSION_COOKIE_SECURE must be "
		    "true or false");
		return CA_ECONFIG;
	}
	cfg->secure = bv == -1 ? strncmp(v, "https://", 8) == 0 : bv;

	ss = cfg->values[CA_SET_SESSION_COOKIE_SAMESITE];
	if (strcasecmp(ss, "lax") != 0 && strcasecmp(ss, "strict") != 0 &&
	    strcasecmp(ss, "none") != 0) {
		ca_config_err(err, errsz, "SESSION_COOKIE_SAMESITE must be "
		    "lax, strict or none");
		return CA_ECONFIG;
	}
	if (strcasecmp(ss, "none") == 0 && !cfg->secure) {
		ca_config_err(err, errsz, "SESSION_COOKIE_SAMESITE=none "
		    "needs SESSION_COOKIE_SECURE=true (browsers refuse it)");
		return CA_ECONFIG;
	}
	v = cfg->values[CA_SET_SESSION_COOKIE_NAME];
	len = strlen(v);
	if (len == 0 || len > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len) {
		ca_config_err(err, errsz, "SESSION_COOKIE_NAME must be 1 to "
		    "64 letters, digits, '_' or '-'");
		return CA_ECONFIG;
	}
	cfg->development =
	    strcmp(cfg->values[CA_SET_ENVIRONMENT], "development") == 0;
	return CA_OK;
}

enum ca_err
ca_config_load(struct ca_config **out, char *err, size_t errsz)
{
	struct ca_config	*cfg = NULL;
	char			*path = NULL, *text = NULL;
	const char		*root;
	size_t			 len = 0;
	enum ca_err		 rc = CA_ENOMEM;

	*out = NULL;
	ca_config_err(err, errsz, "out of memory");
	cfg = ca_calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		goto out;
	root = getenv("CGIAUTH_ROOT");
	cfg->root = ca_strdup(root != NULL && *root != '\0' ?
	    root : CA_SOURCE_ROOT);
	if (cfg->root == NULL)
		goto out;

	rc = ca_config_path(cfg, "CGIAUTH_ENV_FILE", ".env", &path);
	if (rc != CA_OK)
		goto out;
	rc = ca_config_slurp(path, &text, NULL);
	if (rc == CA_OK)
		rc = ca_config_dotenv(cfg, path, text, err, errsz);
	else if (rc == CA_ENOTFOUND)
		rc = CA_OK;	/* .env is optional */
	else {
		ca_config_err(err, errsz, "cannot read %s", path);
		rc = CA_ECONFIG;
	}
	if (rc != CA_OK)
		goto out;
	rc = ca_config_settings(cfg, err, errsz);
	if (rc != CA_OK)
		goto out;

	ca_free(path);
	ca_free(text);
	text = NULL;
	rc = ca_config_path(cfg, "CGIAUTH_TUNE_FILE", "tune.json", &path);
	if (rc != CA_OK)
		goto out;
	rc = ca_config_slurp(path, &text, &len);
	if (rc == CA_ENOTFOUND) {
		cfg->tune = cJSON_CreateObject();
		rc = cfg->tune == NULL ? CA_ENOMEM : CA_OK;
		goto out;
	}
	if (rc != CA_OK) {
		ca_config_err(err, errsz, "cannot read %s", path);
		rc = CA_ECONFIG;
		goto out;
	}
	cfg->tune = cJSON_ParseWithLength(text, len);
	if (cfg->tune == NULL || !cJSON_IsObject(cfg->tune)) {
		ca_config_err(err, errsz, "%s is not a JSON object", path);
		rc = CA_ECONFIG;
		goto out;
	}
	rc = ca_config_expand_json(cfg, cfg->tune, 0, err, errsz);
out:
	ca_free(path);
	ca_free(text);
	if (rc != CA_OK) {
		ca_config_free(cfg);
		cfg = NULL;
	} else
		ca_config_err(err, errsz, "ok");
	*out = cfg;
	return rc;
}

void
ca_config_free(struct ca_config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CA_SET__MAX; i++)
		ca_free(cfg->values[i]);
	for (i = 0; i < cfg->ndotenv; i++) {
		ca_free(cfg->dotenv[i].name);
		ca_free(cfg->dotenv[i].value);
	}
	ca_free(cfg->dotenv);
	cJSON_Delete(cfg->tune);
	ca_free(cfg->root);
	ca_free(cfg);
}

enum ca_err
ca_config_session_key(const struct ca_config *cfg, const char **key,
    size_t *keylen)
{
	const char	*k;

	k = ca_config_get(cfg, CA_SET_SESSION_KEY);
	if (k != NULL && strlen(k) >= CA_SESSION_KEY_MIN &&
	    strncmp(k, CA_SESSION_KEY_PLACEHOLDER,
	    strlen(CA_SESSION_KEY_PLACEHOLDER)) != 0) {
		*key = k;
		*keylen = strlen(k);
		return CA_OK;
	}
	if (!cfg->development) {
		ca_log(NULL, "config", "fail", "SESSION_KEY is %s: set it to "
		    "at least %d random bytes (openssl rand -base64 48)",
		    k == NULL ? "missing" : "too short or the placeholder",
		    CA_SESSION_KEY_MIN);
		return CA_ECONFIG;
	}
	*key = CA_SESSION_KEY_DEV;
	*keylen = strlen(CA_SESSION_KEY_DEV);
	return CA_OK;
}
