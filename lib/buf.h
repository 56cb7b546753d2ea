/*
 * buf.h: a growable byte buffer with a hard maximum.
 *
 * Every buffer is created with the largest size it may ever reach; an
 * append past it fails with CA_ETOOBIG and leaves the buffer as it was.
 * The content is always NUL-terminated, so ca_buf_str() is a C string.
 *
 *	struct ca_buf b;
 *	ca_buf_init(&b, CA_PAGE_MAX);
 *	if (ca_buf_puts(&b, "hello") != CA_OK) goto out;
 *	...
 *	out: ca_buf_free(&b);
 */
#ifndef CA_BUF_H
#define CA_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "err.h"

struct ca_buf {
	char	*data;	/* NUL-terminated content, or NULL when empty */
	size_t	 len;	/* bytes used, not counting the NUL */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* the most len may ever be */
};

void		ca_buf_init(struct ca_buf *, size_t max);
/* Frees the content; the buffer may be reused after ca_buf_init(). */
void		ca_buf_free(struct ca_buf *);
/* Same, zeroing the bytes first: for buffers that held secrets. */
void		ca_buf_free_secret(struct ca_buf *);
void		ca_buf_reset(struct ca_buf *);
enum ca_err	ca_buf_add(struct ca_buf *, const void *, size_t) CA_WUR;
enum ca_err	ca_buf_puts(struct ca_buf *, const char *) CA_WUR;
enum ca_err	ca_buf_putc(struct ca_buf *, char) CA_WUR;
enum ca_err	ca_buf_printf(struct ca_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3))) CA_WUR;
enum ca_err	ca_buf_vprintf(struct ca_buf *, const char *, va_list) CA_WUR;
/* Never NULL: "" for an empty buffer. */
const char	*ca_buf_str(const struct ca_buf *);
/*
 * Hands the content to the caller, who frees it with ca_free(); the
 * buffer is left empty.  Returns an allocated "" for an empty buffer, or
 * NULL when that allocation fails.
 */
char		*ca_buf_take(struct ca_buf *);

#endif
