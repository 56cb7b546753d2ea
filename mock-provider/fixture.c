/*
 * fixture.c: loads and checks the mock provider's fixture file (see
 * fixture.h).  Every shape error is reported with the entry it concerns,
 * so a broken fixture stops the provider at start, not mid-test.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "fixture.h"

static const char *const faults[MOCK_FAULT__MAX] = {
	"",			/* MOCK_FAULT_NONE */
	"access_denied",	/* MOCK_FAULT_ACCESS_DENIED */
	"token_error",		/* MOCK_FAULT_TOKEN_ERROR */
	"token_500",		/* MOCK_FAULT_TOKEN_500 */
	"token_slow",		/* MOCK_FAULT_TOKEN_SLOW */
	"userinfo_garbage",	/* MOCK_FAULT_USERINFO_GARBAGE */
	"userinfo_500",		/* MOCK_FAULT_USERINFO_500 */
};

static const char *const token_formats[MOCK_TOKEN__MAX] = {
	"json",			/* MOCK_TOKEN_JSON */
	"form",			/* MOCK_TOKEN_FORM */
};

static enum ca_err
read_file(const char *path, struct ca_buf *b)
{
	FILE		*fp;
	char		 chunk[4096];
	size_t		 n;
	enum ca_err	 rc = CA_OK;

	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "mock-provider: %s: %s\n", path,
		    strerror(errno));
		return CA_EIO;
	}
	for (;;) {
		n = fread(chunk, 1, sizeof(chunk), fp);
		if (n == 0)
			break;
		rc = ca_buf_add(b, chunk, n);
		if (rc != CA_OK)
			break;
	}
	if (rc == CA_OK && ferror(fp))
		rc = CA_EIO;
	if (rc != CA_OK)
		fprintf(stderr, "mock-provider: %s: %s\n", path,
		    ca_strerror(rc));
	fclose(fp);
	return rc;
}

static const char *
str_field(const cJSON *o, const char *name)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) && v->valuestring[0] != '\0' ?
	    v->valuestring : NULL;
}

static enum ca_err
load_user(const cJSON *u, size_t i, struct mock_user *user)
{
	const cJSON	*v, *data;
	const char	*fault, *format;
	int		 k;

	user->login = str_field(u, "login");
	if (user->login == NULL) {
		fprintf(stderr, "mock-provider: users[%zu]: no login\n", i);
		return CA_EPARSE;
	}
	v = cJSON_GetObjectItemCaseSensitive(u, "userinfo");
	if (!cJSON_IsObject(v)) {
		fprintf(stderr, "mock-provider: user %s: userinfo is not an "
		    "object\n", user->login);
		return CA_EPARSE;
	}
	user->userinfo = v;
	user->name = str_field(v, "name");
	data = cJSON_GetObjectItemCaseSensitive(v, "data");
	if (user->name == NULL && cJSON_IsObject(data))
		user->name = str_field(data, "name");
	if (user->name == NULL)
		user->name = "";
	v = cJSON_GetObjectItemCaseSensitive(u, "emails");
	if (v != NULL && !cJSON_IsArray(v)) {
		fprintf(stderr, "mock-provider: user %s: emails is not an "
		    "array\n", user->login);
		return CA_EPARSE;
	}
	user->emails = v;
	user->token_format = MOCK_TOKEN_JSON;
	v = cJSON_GetObjectItemCaseSensitive(u, "token_format");
	if (v != NULL) {
		format = cJSON_IsString(v) ? v->valuestring : NULL;
		for (k = 0; format != NULL && k < MOCK_TOKEN__MAX; k++)
			if (strcmp(format, token_formats[k]) == 0)
				break;
		if (format == NULL || k == MOCK_TOKEN__MAX) {
			fprintf(stderr, "mock-provider: user %s: token_format "
			    "is neither \"json\" nor \"form\"\n", user->login);
			return CA_EPARSE;
		}
		user->token_format = (enum mock_token_format)k;
	}
	user->fault = MOCK_FAULT_NONE;
	v = cJSON_GetObjectItemCaseSensitive(u, "fault");
	if (v == NULL)
		return CA_OK;
	fault = cJSON_IsString(v) ? v->valuestring : NULL;
	for (k = 1; fault != NULL && k < MOCK_FAULT__MAX; k++)
		if (strcmp(fault, faults[k]) == 0) {
			user->fault = (enum mock_fault)k;
			return CA_OK;
		}
	fprintf(stderr, "mock-provider: user %s: unknown fault\n",
	    user->login);
	return CA_EPARSE;
}

enum ca_err
mock_fixture_load(const char *path, struct mock_fixture **out)
{
	struct mock_fixture	*f = NULL;
	struct ca_buf		 b;
	const cJSON		*arr, *e;
	size_t			 i, n;
	enum ca_err		 rc;

	*out = NULL;
	ca_buf_init(&b, MOCK_FIXTURE_FILE_MAX);
	rc = read_file(path, &b);
	if (rc != CA_OK)
		goto out;
	rc = CA_ENOMEM;
	f = ca_calloc(1, sizeof(*f));
	if (f == NULL)
		goto out;
	rc = CA_EPARSE;
	f->root = cJSON_Parse(ca_buf_str(&b));
	if (f->root == NULL) {
		fprintf(stderr, "mock-provider: %s: not JSON\n", path);
		goto out;
	}

	arr = cJSON_GetObjectItemCaseSensitive(f->root, "clients");
	n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
	if (n == 0) {
		fprintf(stderr, "mock-provider: %s: no clients\n", path);
		goto out;
	}
	rc = CA_ENOMEM;
	f->clients = ca_calloc(n, sizeof(*f->clients));
	if (f->clients == NULL)
		goto out;
	rc = CA_EPARSE;
	i = 0;
	cJSON_ArrayForEach(e, arr) {
		f->clients[i].id = str_field(e, "client_id");
		f->clients[i].secret = str_field(e, "client_secret");
		if (f->clients[i].id == NULL || f->clients[i].secret == NULL) {
			fprintf(stderr, "mock-provider: clients[%zu]: needs "
			    "client_id and client_secret\n", i);
			goto out;
		}
		i++;
	}
	f->nclients = n;

	arr = cJSON_GetObjectItemCaseSensitive(f->root, "users");
	n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
	if (n == 0) {
		fprintf(stderr, "mock-provider: %s: no users\n", path);
		goto out;
	}
	rc = CA_ENOMEM;
	f->users = ca_calloc(n, sizeof(*f->users));
	if (f->users == NULL)
		goto out;
	i = 0;
	cJSON_ArrayForEach(e, arr) {
		rc = load_user(e, i, &f->users[i]);
		if (rc != CA_OK)
			goto out;
		rc = CA_EPARSE;
		if (mock_fixture_user(f, f->users[i].login) != NULL) {
			fprintf(stderr, "mock-provider: user %s: listed "
			    "twice\n", f->users[i].login);
			goto out;
		}
		f->nusers = ++i;
	}
	*out = f;
	f = NULL;
	rc = CA_OK;
out:
	mock_fixture_free(f);
	ca_buf_free(&b);
	return rc;
}

void
mock_fixture_free(struct mock_fixture *f)
{

	if (f == NULL)
		return;
	ca_free(f->clients);
	ca_free(f->users);
	cJSON_Delete(f->root);
	ca_free(f);
}

const struct mock_client *
mock_fixture_client(const struct mock_fixture *f, const char *id)
{
	size_t	 i;

	for (i = 0; i < f->nclients; i++)
		if (strcmp(f->clients[i].id, id) == 0)
			return &f->clients[i];
	return NULL;
}

const struct mock_user *
mock_fixture_user(const struct mock_fixture *f, const char *login)
{
	size_t	 i;

	for (i = 0; i < f->nusers; i++)
		if (strcmp(f->users[i].login, login) == 0)
			return &f->users[i];
	return NULL;
}
