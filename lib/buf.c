/*
 * buf.c: bounded growable buffers (see buf.h).  Growth doubles, capped at
 * max + 1 bytes, so a buffer never holds more than its owner allowed.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

void
ca_buf_init(struct ca_buf *b, size_t max)
{

	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
ca_buf_free(struct ca_buf *b)
{

	ca_free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
ca_buf_free_secret(struct ca_buf *b)
{

	ca_free_secret(b->data, b->cap);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
ca_buf_reset(struct ca_buf *b)
{

	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL. */
static enum ca_err
ca_buf_grow(struct ca_buf *b, size_t n)
{
	size_t	 want, cap;
	char	*p;

	if (n > b->max || b->len > b->max - n)
		return CA_ETOOBIG;
	want = b->len + n + 1;
	if (want <= b->cap)
		return CA_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > (b->max + 1) / 2 ? b->max + 1 : cap * 2;
	if (cap < want)
		cap = want;
	p = ca_realloc(b->data, cap);
	if (p == NULL)
		return CA_ENOMEM;
	b->data = p;
	b->cap = cap;
	return CA_OK;
}

enum ca_err
ca_buf_add(struct ca_buf *b, const void *p, size_t n)
{
	enum ca_err	 rc;

	rc = ca_buf_grow(b, n);
	if (rc != CA_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CA_OK;
}

enum ca_err
ca_buf_puts(struct ca_buf *b, const char *s)
{

	return ca_buf_add(b, s, strlen(s));
}

enum ca_err
ca_buf_putc(struct ca_buf *b, char c)
{

	return ca_buf_add(b, &c, 1);
}

enum ca_err
ca_buf_vprintf(struct ca_buf *b, const char *fmt, va_list ap)
{
	va_list		 aq;
	int		 n;
	enum ca_err	 rc;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return CA_EINVAL;
	rc = ca_buf_grow(b, (size_t)n);
	if (rc != CA_OK)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CA_OK;
}

enum ca_err
ca_buf_printf(struct ca_buf *b, const char *fmt, ...)
{
	va_list		 ap;
	enum ca_err	 rc;

	va_start(ap, fmt);
	rc = ca_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
ca_buf_str(const struct ca_buf *b)
{

	return b->data != NULL ? b->data : "";
}

char *
ca_buf_take(struct ca_buf *b)
{
	char	*p;

	p = b->data != NULL ? b->data : ca_strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
