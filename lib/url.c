/*
 * url.c: percent-encoding (RFC 3986 section 2.1) for query strings and
 * application/x-www-form-urlencoded bodies (HTML "URL-encoded form data",
 * where '+' stands for a space).
 *
 * Decoding is strict: a '%' must be followed by two hex digits, and an
 * encoded NUL is refused, since every decoded value becomes a C string.
 * Encoding keeps only the unreserved set of section 2.3.
 */
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "request.h"
#include "url_int.h"

int
ca_url_hexval(unsigned char ch)
{

	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

enum ca_err
ca_url_decode_raw(const char *in, size_t n, int plus, char **out,
    size_t *outlen, int *nul)
{
	char	*p;
	size_t	 i, o = 0;
	int	 hi, lo;

	*out = NULL;
	*outlen = 0;
	*nul = 0;
	if (n > 0 && in == NULL)
		return CA_EINVAL;
	/* Decoding never grows, so n + 1 bytes always suffice. */
	p = ca_malloc(n + 1);
	if (p == NULL)
		return CA_ENOMEM;
	for (i = 0; i < n; i++) {
		if (in[i] == '%') {
			if (n - i < 3)
				goto bad;
			hi = ca_url_hexval((unsigned char)in[i + 1]);
			lo = ca_url_hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			p[o] = (char)(hi << 4 | lo);
			i += 2;
		} else if (plus && in[i] == '+')
			p[o] = ' ';
		else
			p[o] = in[i];
		if (p[o] == '\0')
			*nul = 1;
		o++;
	}
	p[o] = '\0';
	*out = p;
	*outlen = o;
	return CA_OK;
bad:
	ca_free(p);
	return CA_EPARSE;
}

enum ca_err
ca_url_decode(const char *in, size_t n, int plus, char **out)
{
	size_t		 len;
	int		 nul;
	enum ca_err	 rc;

	if (out == NULL)
		return CA_EINVAL;
	rc = ca_url_decode_raw(in, n, plus, out, &len, &nul);
	if (rc != CA_OK)
		return rc;
	if (nul) {
		ca_free(*out);
		*out = NULL;
		return CA_EPARSE;
	}
	return CA_OK;
}

/* RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~" */
static int
unreserved(unsigned char ch)
{

	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
	    ch == '_' || ch == '~';
}

static enum ca_err ca_url_encode_keep(struct ca_buf *, const char *, int);

enum ca_err
ca_url_encode(struct ca_buf *b, const char *in)
{

	return ca_url_encode_keep(b, in, 0);
}

enum ca_err
ca_url_encode_path(struct ca_buf *b, const char *in)
{

	return ca_url_encode_keep(b, in, '/');
}

/* Percent-encodes all but the unreserved characters and keep (or 0). */
static enum ca_err
ca_url_encode_keep(struct ca_buf *b, const char *in, int keep)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			 esc[3];
	size_t			 start;
	enum ca_err		 rc = CA_OK;

	if (b == NULL || in == NULL)
		return CA_EINVAL;
	/* On failure the buffer is put back as it was (buf.h). */
	start = b->len;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (unreserved(*p) || (keep != 0 && *p == keep))
			rc = ca_buf_putc(b, (char)*p);
		else {
			esc[0] = '%';
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 0x0f];
			rc = ca_buf_add(b, esc, sizeof(esc));
		}
		if (rc != CA_OK) {
			b->len = start;
			if (b->data != NULL)
				b->data[start] = '\0';
			return rc;
		}
	}
	return CA_OK;
}
