/*
 * alloc.h: the only place that calls malloc(3) and free(3).
 *
 * The wrappers refuse size 0, check multiplications for overflow and log
 * the failure once, so callers only map NULL to CA_ENOMEM.  Library code
 * never exits on exhaustion; only a route's main() may.
 */
#ifndef CA_ALLOC_H
#define CA_ALLOC_H

#include <stddef.h>

/* Each returns memory the caller frees with ca_free(), or NULL. */
void	*ca_malloc(size_t);
void	*ca_calloc(size_t, size_t);
void	*ca_realloc(void *, size_t);
char	*ca_strdup(const char *);
char	*ca_strndup(const char *, size_t);
/* Accepts NULL. */
void	 ca_free(void *);
/* Overwrites n bytes with zeros in a way the compiler keeps, then frees. */
void	 ca_free_secret(void *, size_t);

#endif
