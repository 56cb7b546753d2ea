/*
 * codec.c: form and URL percent-coding, HTML escaping, base64 and
 * base64url (see codec.h).  Decoders are strict: anything they cannot
 * decode exactly is CA_EPARSE, so a handler answers 400.
 */
#include <string.h>

#include "alloc.h"
#include "codec.h"

/* The base64 "too long" limit for an Authorization: Basic value. */
#define MOCK_B64_IN_MAX	4096

static const char b64std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
hexval(char c)
{

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum ca_err
mock_codec_form_decode(const char *s, size_t len, char **out)
{
	char	*d;
	size_t	 i, n;
	int	 hi, lo;

	*out = NULL;
	d = ca_malloc(len + 1);
	if (d == NULL)
		return CA_ENOMEM;
	for (i = n = 0; i < len; i++) {
		if (s[i] == '+') {
			d[n++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			if (s[i] == '\0')
				goto bad;
			d[n++] = s[i];
			continue;
		}
		if (len - i < 3)
			goto bad;
		hi = hexval(s[i + 1]);
		lo = hexval(s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		d[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[n] = '\0';
	*out = d;
	return CA_OK;
bad:
	ca_free(d);
	return CA_EPARSE;
}

void
mock_form_free(struct mock_form *f)
{
	size_t	 i;

	for (i = 0; i < f->n; i++) {
		ca_free(f->pairs[i].name);
		ca_free(f->pairs[i].value);
	}
	f->n = 0;
}

const char *
mock_form_get(const struct mock_form *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->pairs[i].name, name) == 0)
			return f->pairs[i].value;
	return NULL;
}

enum ca_err
mock_form_parse(struct mock_form *f, const char *s, size_t len)
{
	const char	*end, *amp, *eq;
	char		*name, *value;
	enum ca_err	 rc;

	f->n = 0;
	end = s + len;
	while (s < end) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		if (amp == s) {
			s++;
			continue;
		}
		if (f->n == MOCK_FORM_PAIRS_MAX)
			return CA_EPARSE;
		eq = memchr(s, '=', (size_t)(amp - s));
		if (eq == NULL)
			eq = amp;
		rc = mock_codec_form_decode(s, (size_t)(eq - s), &name);
		if (rc != CA_OK)
			return rc;
		value = NULL;
		rc = eq == amp ? mock_codec_form_decode("", 0, &value) :
		    mock_codec_form_decode(eq + 1, (size_t)(amp - eq - 1),
		    &value);
		if (rc == CA_OK && mock_form_get(f, name) != NULL)
			rc = CA_EPARSE;
		if (rc != CA_OK) {
			ca_free(name);
			ca_free(value);
			return rc;
		}
		f->pairs[f->n].name = name;
		f->pairs[f->n].value = value;
		f->n++;
		s = amp;
	}
	return CA_OK;
}

enum ca_err
mock_codec_url_encode(struct ca_buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			 e[3];
	enum ca_err		 rc;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			rc = ca_buf_putc(b, (char)c);
		} else {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 0x0f];
			rc = ca_buf_add(b, e, sizeof(e));
		}
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

enum ca_err
mock_codec_html_escape(struct ca_buf *b, const char *s)
{
	enum ca_err	 rc;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			rc = ca_buf_puts(b, "&amp;");
			break;
		case '<':
			rc = ca_buf_puts(b, "&lt;");
			break;
		case '>':
			rc = ca_buf_puts(b, "&gt;");
			break;
		case '"':
			rc = ca_buf_puts(b, "&quot;");
			break;
		case '\'':
			rc = ca_buf_puts(b, "&#39;");
			break;
		default:
			rc = ca_buf_putc(b, *s);
			break;
		}
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

enum ca_err
mock_codec_b64url(struct ca_buf *b, const void *p, size_t n)
{
	const unsigned char	*s = p;
	unsigned long		 v;
	char			 q[4];
	size_t			 i, k, out;
	enum ca_err		 rc;

	for (i = 0; i < n; i += 3) {
		k = n - i < 3 ? n - i : 3;
		v = (unsigned long)s[i] << 16;
		if (k > 1)
			v |= (unsigned long)s[i + 1] << 8;
		if (k > 2)
			v |= s[i + 2];
		q[0] = b64url[(v >> 18) & 0x3f];
		q[1] = b64url[(v >> 12) & 0x3f];
		q[2] = b64url[(v >> 6) & 0x3f];
		q[3] = b64url[v & 0x3f];
		out = k + 1;
		rc = ca_buf_add(b, q, out);
		if (rc != CA_OK)
			return rc;
	}
	return CA_OK;
}

static int
b64val(char c)
{
	const char	*p;

	if (c == '\0')
		return -1;
	p = strchr(b64std, c);
	return p == NULL ? -1 : (int)(p - b64std);
}

enum ca_err
mock_codec_b64_decode(const char *s, char **out)
{
	char		*d;
	size_t		 len, i, n, pad;
	unsigned long	 v;
	int		 j, x;

	*out = NULL;
	len = strlen(s);
	if (len == 0 || len % 4 != 0 || len > MOCK_B64_IN_MAX)
		return CA_EPARSE;
	pad = 0;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	d = ca_malloc(len / 4 * 3 + 1);
	if (d == NULL)
		return CA_ENOMEM;
	for (i = n = 0; i < len; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if (i + (size_t)j >= len - pad) {
				x = 0;
			} else {
				x = b64val(s[i + j]);
				if (x < 0)
					goto bad;
			}
			v = v << 6 | (unsigned long)x;
		}
		d[n++] = (char)(v >> 16);
		d[n++] = (char)(v >> 8 & 0xff);
		d[n++] = (char)(v & 0xff);
	}
	n -= pad;
	d[n] = '\0';
	if (memchr(d, '\0', n) != NULL)
		goto bad;
	*out = d;
	return CA_OK;
bad:
	ca_free(d);
	return CA_EPARSE;
}
