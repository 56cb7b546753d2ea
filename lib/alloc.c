/*
 * alloc.c: checked allocation.  Failures are logged here, once, so that
 * every caller can simply return CA_ENOMEM.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static void
ca_alloc_fail(size_t n)
{

	fprintf(stderr, "cgiauth: allocation of %zu bytes failed\n", n);
}

void *
ca_malloc(size_t n)
{
	void	*p;

	if (n == 0)
		return NULL;
	p = malloc(n);
	if (p == NULL)
		ca_alloc_fail(n);
	return p;
}

void *
ca_calloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0 || nmemb > SIZE_MAX / size)
		return NULL;
	p = calloc(nmemb, size);
	if (p == NULL)
		ca_alloc_fail(nmemb * size);
	return p;
}

void *
ca_realloc(void *old, size_t n)
{
	void	*p;

	if (n == 0)
		return NULL;
	p = realloc(old, n);
	if (p == NULL)
		ca_alloc_fail(n);
	return p;
}

char *
ca_strndup(const char *s, size_t n)
{
	char	*p;

	if (s == NULL || n == SIZE_MAX)
		return NULL;
	p = ca_malloc(n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
ca_strdup(const char *s)
{

	if (s == NULL)
		return NULL;
	return ca_strndup(s, strlen(s));
}

void
ca_free(void *p)
{

	free(p);
}

void
ca_free_secret(void *p, size_t n)
{

	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}
