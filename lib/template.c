/*
 * template.c: the Mustache renderer (see template.h).
 *
 * A template is first cut into a flat array of tokens (text, variable,
 * section, inverted section, partial), resolving comments, set-delimiter
 * tags and the spec's standalone-line rule while parsing; a section token
 * records where its children end.  Rendering then walks the tokens with a
 * stack of contexts.  A partial is fetched, indented (when its tag stood
 * alone on its line), parsed and rendered each time it is met, so its
 * delimiters start as {{ }} and its changes do not leak out.
 *
 * Grammar of a tag, between the current open and close delimiters:
 *	name | {name} | &name | #name | ^name | /name | >name | !text |
 *	=open close=
 * with optional spaces around name.  Names are dotted paths or ".".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "template.h"

/* Longest path of a template file: dir, '/', name and ".html". */
#define TEMPLATE_PATH_MAX	4096
/* Bytes read from a template file at a time. */
#define TEMPLATE_READ_CHUNK	8192
/* Room for a number printed by tpl_put_number(). */
#define TEMPLATE_NUM_MAX	64

enum tok_kind {
	TOK_TEXT,	/* literal bytes */
	TOK_VAR,	/* {{name}}: escaped value */
	TOK_RAW,	/* {{{name}}} or {{&name}}: unescaped value */
	TOK_SECTION,	/* {{#name}}...{{/name}} */
	TOK_INVERTED,	/* {{^name}}...{{/name}} */
	TOK_PARTIAL,	/* {{>name}} */
	TOK__MAX
};

struct tok {
	enum tok_kind	 kind;		/* what the token is */
	const char	*s;		/* text, or the trimmed name */
	size_t		 len;		/* bytes at s */
	size_t		 end;		/* sections: index after the children */
	const char	*indent;	/* standalone partials: line indent */
	size_t		 indentlen;	/* bytes at indent */
};

struct toks {
	struct tok	*v;		/* the tokens, freed by toks_free() */
	size_t		 n;		/* tokens used */
	size_t		 cap;		/* tokens allocated */
};

/* What one parse needs to know about the current delimiters. */
struct delims {
	char	 open[CA_TEMPLATE_DELIM_MAX + 1];	/* e.g. "{{" */
	size_t	 openlen;				/* bytes in open */
	char	 close[CA_TEMPLATE_DELIM_MAX + 1];	/* e.g. "}}" */
	size_t	 closelen;				/* bytes in close */
};

/* The state of one ca_template_render() call. */
struct render {
	/* The context stack: the root, then one per open section. */
	const cJSON		*stack[CA_TEMPLATE_DEPTH_MAX + 2];
	size_t			 nstack;	/* contexts in use */
	ca_template_partial_fn	 fn;		/* partial loader, or NULL */
	void			*arg;		/* its argument */
	struct ca_buf		*out;		/* where output goes */
	size_t			 work;		/* tokens visited so far */
};

/* Loader state of ca_template_render_file(). */
struct file_loader {
	const char	*dir;	/* the templates directory */
	enum ca_err	 rc;	/* first failure other than "no such file" */
};

static enum ca_err	tpl_render_range(struct render *, const struct tok *,
			    size_t, size_t, unsigned int);

static void
toks_free(struct toks *t)
{

	ca_free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static enum ca_err
toks_add(struct toks *t, enum tok_kind kind, const char *s, size_t len)
{
	struct tok	*v;
	size_t		 cap;

	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 32;
		v = ca_realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return CA_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].kind = kind;
	t->v[t->n].s = s;
	t->v[t->n].len = len;
	t->v[t->n].end = 0;
	t->v[t->n].indent = NULL;
	t->v[t->n].indentlen = 0;
	t->n++;
	return CA_OK;
}

/* Offset of the first needle in hay[from, len), or len when absent. */
static size_t
tpl_find(const char *hay, size_t from, size_t len, const char *needle,
    size_t nlen)
{
	size_t	 i;

	if (nlen == 0 || nlen > len)
		return len;
	for (i = from; i + nlen <= len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return i;
	return len;
}

static int
tpl_isblank(char c)
{

	return c == ' ' || c == '\t';
}

static int
tpl_isspace(char c)
{

	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

/* Trims spaces around [*s, *s + *len). */
static void
tpl_trim(const char **s, size_t *len)
{

	while (*len > 0 && tpl_isspace((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && tpl_isspace((*s)[*len - 1]))
		(*len)--;
}

/* A name must be non-empty, short and free of NUL bytes. */
static enum ca_err
tpl_check_name(const char *s, size_t len)
{

	if (len == 0 || memchr(s, '\0', len) != NULL)
		return CA_EPARSE;
	if (len > CA_TEMPLATE_NAME_MAX)
		return CA_ETOOBIG;
	return CA_OK;
}

/* Parses the body of {{=open close=}}, already stripped of both '='. */
static enum ca_err
tpl_set_delims(struct delims *d, const char *s, size_t len)
{
	size_t	 i, olen, cstart, clen;

	tpl_trim(&s, &len);
	for (olen = 0; olen < len && !tpl_isspace(s[olen]); olen++)
		continue;
	for (cstart = olen; cstart < len && tpl_isspace(s[cstart]); cstart++)
		continue;
	clen = len - cstart;
	if (olen == 0 || clen == 0)
		return CA_EPARSE;
	if (olen > CA_TEMPLATE_DELIM_MAX || clen > CA_TEMPLATE_DELIM_MAX)
		return CA_ETOOBIG;
	for (i = 0; i < len; i++)
		if (s[i] == '=' || s[i] == '\0' ||
		    (i >= cstart && tpl_isspace(s[i])))
			return CA_EPARSE;
	memcpy(d->open, s, olen);
	d->open[olen] = '\0';
	d->openlen = olen;
	memcpy(d->close, s + cstart, clen);
	d->close[clen] = '\0';
	d->closelen = clen;
	return CA_OK;
}

/*
 * Cuts src into tokens.  The tokens point into src, which must outlive
 * them; on success the caller frees t with toks_free(), on failure it is
 * already freed.
 */
static enum ca_err
tpl_parse(const char *src, size_t len, struct toks *t)
{
	struct delims	 d;
	size_t		 opened[CA_TEMPLATE_DEPTH_MAX];
	size_t		 nopen = 0, pos = 0, tag, body, bodyend, after;
	size_t		 ws, j, textend, tlen;
	char		 term[CA_TEMPLATE_DELIM_MAX + 2];
	char		 type;
	const char	*name;
	size_t		 namelen;
	int		 standalone;
	enum ca_err	 rc = CA_OK;

	t->v = NULL;
	t->n = t->cap = 0;
	memcpy(d.open, "{{", 3);
	d.openlen = 2;
	memcpy(d.close, "}}", 3);
	d.closelen = 2;

	while (pos < len) {
		tag = tpl_find(src, pos, len, d.open, d.openlen);
		if (tag == len) {
			rc = toks_add(t, TOK_TEXT, src + pos, len - pos);
			if (rc != CA_OK)
				goto out;
			break;
		}

		/* The tag's type and its terminator. */
		body = tag + d.openlen;
		type = body < len ? src[body] : '\0';
		switch (type) {
		case '{':
		case '=':
			term[0] = type == '{' ? '}' : '=';
			memcpy(term + 1, d.close, d.closelen);
			tlen = d.closelen + 1;
			body++;
			break;
		case '&':
		case '#':
		case '^':
		case '/':
		case '>':
		case '!':
			memcpy(term, d.close, d.closelen);
			tlen = d.closelen;
			body++;
			break;
		default:
			type = '\0';
			memcpy(term, d.close, d.closelen);
			tlen = d.closelen;
			break;
		}
		bodyend = tpl_find(src, body, len, term, tlen);
		if (bodyend == len) {
			rc = CA_EPARSE;
			goto out;
		}
		after = bodyend + tlen;

		/*
		 * Standalone: a non-output tag alone on its line, with only
		 * blanks around it; the whole line then disappears.
		 */
		standalone = 0;
		ws = tag;
		if (type != '\0' && type != '{' && type != '&') {
			while (ws > pos && tpl_isblank(src[ws - 1]))
				ws--;
			j = after;
			while (j < len && tpl_isblank(src[j]))
				j++;
			if (ws == 0 || src[ws - 1] == '\n') {
				if (j == len) {
					standalone = 1;
				} else if (src[j] == '\n') {
					standalone = 1;
					j++;
				} else if (src[j] == '\r' && j + 1 < len &&
				    src[j + 1] == '\n') {
					standalone = 1;
					j += 2;
				}
			}
			if (standalone)
				after = j;
			else
				ws = tag;
		}
		textend = ws;
		if (textend > pos) {
			rc = toks_add(t, TOK_TEXT, src + pos, textend - pos);
			if (rc != CA_OK)
				goto out;
		}
		pos = after;

		name = src + body;
		namelen = bodyend - body;
		if (type == '!')
			continue;
		if (type == '=') {
			rc = tpl_set_delims(&d, name, namelen);
			if (rc != CA_OK)
				goto out;
			continue;
		}
		tpl_trim(&name, &namelen);
		rc = tpl_check_name(name, namelen);
		if (rc != CA_OK)
			goto out;

		switch (type) {
		case '#':
		case '^':
			if (nopen == CA_TEMPLATE_DEPTH_MAX) {
				rc = CA_ETOOBIG;
				goto out;
			}
			opened[nopen++] = t->n;
			rc = toks_add(t, type == '#' ? TOK_SECTION :
			    TOK_INVERTED, name, namelen);
			break;
		case '/':
			if (nopen == 0 ||
			    t->v[opened[nopen - 1]].len != namelen ||
			    memcmp(t->v[opened[nopen - 1]].s, name,
			    namelen) != 0) {
				rc = CA_EPARSE;
				goto out;
			}
			nopen--;
			t->v[opened[nopen]].end = t->n;
			break;
		case '>':
			rc = toks_add(t, TOK_PARTIAL, name, namelen);
			if (rc == CA_OK && standalone) {
				t->v[t->n - 1].indent = src + ws;
				t->v[t->n - 1].indentlen = tag - ws;
			}
			break;
		case '{':
		case '&':
			rc = toks_add(t, TOK_RAW, name, namelen);
			break;
		default:
			rc = toks_add(t, TOK_VAR, name, namelen);
			break;
		}
		if (rc != CA_OK)
			goto out;
	}
	if (nopen != 0)
		rc = CA_EPARSE;
out:
	if (rc != CA_OK)
		toks_free(t);
	return rc;
}

/* Looks up one key in an object context; NULL for anything else. */
static const cJSON *
tpl_get(const cJSON *obj, const char *key, size_t keylen)
{
	char	 k[CA_TEMPLATE_NAME_MAX + 1];

	if (obj == NULL || !cJSON_IsObject(obj) || keylen == 0 ||
	    keylen > CA_TEMPLATE_NAME_MAX)
		return NULL;
	memcpy(k, key, keylen);
	k[keylen] = '\0';
	return cJSON_GetObjectItemCaseSensitive(obj, k);
}

/*
 * Resolves a name: "." is the top context; otherwise the first part is
 * searched down the stack and the other parts only inside what it found.
 */
static const cJSON *
tpl_lookup(const struct render *r, const char *name, size_t len)
{
	const cJSON	*v = NULL;
	const char	*dot;
	size_t		 seg, i;

	if (len == 1 && name[0] == '.')
		return r->stack[r->nstack - 1];
	dot = memchr(name, '.', len);
	seg = dot != NULL ? (size_t)(dot - name) : len;
	for (i = r->nstack; i > 0; i--) {
		v = tpl_get(r->stack[i - 1], name, seg);
		if (v != NULL)
			break;
	}
	while (v != NULL && seg < len) {
		name += seg + 1;
		len -= seg + 1;
		dot = memchr(name, '.', len);
		seg = dot != NULL ? (size_t)(dot - name) : len;
		v = tpl_get(v, name, seg);
	}
	return v;
}

static int
tpl_truthy(const cJSON *v)
{

	if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v) ||
	    cJSON_IsInvalid(v))
		return 0;
	if (cJSON_IsArray(v))
		return v->child != NULL;
	if (cJSON_IsString(v))
		return v->valuestring != NULL && v->valuestring[0] != '\0';
	return 1;
}

static enum ca_err
tpl_put_escaped(struct ca_buf *out, const char *s, size_t len)
{
	const char	*rep;
	size_t		 i, run = 0;
	enum ca_err	 rc;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		rc = ca_buf_add(out, s + run, i - run);
		if (rc != CA_OK)
			return rc;
		rc = ca_buf_puts(out, rep);
		if (rc != CA_OK)
			return rc;
		run = i + 1;
	}
	return ca_buf_add(out, s + run, len - run);
}

/*
 * Prints d in the shortest of %.15g, %.16g and %.17g that reads back as
 * d, so 1.21 stays "1.21" and 85 prints "85".  Not finite: nothing.
 */
static void
tpl_format_number(double d, char *s, size_t size)
{
	int	 prec;

	s[0] = '\0';
	if (!isfinite(d))
		return;
	if (d == 0) {
		snprintf(s, size, "0");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(s, size, "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			return;
	}
}

static enum ca_err
tpl_put_value(struct ca_buf *out, const cJSON *v, int escape)
{
	char		 num[TEMPLATE_NUM_MAX];
	const char	*s;

	if (v == NULL)
		return CA_OK;
	if (cJSON_IsString(v)) {
		s = v->valuestring != NULL ? v->valuestring : "";
	} else if (cJSON_IsNumber(v)) {
		tpl_format_number(v->valuedouble, num, sizeof(num));
		s = num;
	} else if (cJSON_IsTrue(v)) {
		s = "true";
	} else if (cJSON_IsFalse(v)) {
		s = "false";
	} else
		return CA_OK;
	if (escape)
		return tpl_put_escaped(out, s, strlen(s));
	return ca_buf_puts(out, s);
}

/*
 * Copies src with indent put before every line that has content after
 * it.  Returns memory the caller frees with ca_free(), or NULL with *rc.
 */
static char *
tpl_indent(const char *src, size_t len, const char *indent, size_t ilen,
    size_t *outlen, enum ca_err *rc)
{
	struct ca_buf	 b;
	size_t		 i, start = 0;
	char		*p = NULL;

	ca_buf_init(&b, CA_TEMPLATE_MAX);
	for (i = 0; i <= len; i++) {
		if (i < len && src[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		*rc = ca_buf_add(&b, indent, ilen);
		if (*rc != CA_OK)
			goto out;
		*rc = ca_buf_add(&b, src + start, i - start + (i < len));
		if (*rc != CA_OK)
			goto out;
		start = i + 1;
	}
	*outlen = b.len;
	p = ca_buf_take(&b);
	*rc = p != NULL ? CA_OK : CA_ENOMEM;
out:
	ca_buf_free(&b);
	return p;
}

/* Parses and renders a template source (a partial) at depth. */
static enum ca_err
tpl_render_source(struct render *r, const char *src, size_t len,
    unsigned int depth)
{
	struct toks	 t;
	enum ca_err	 rc;

	if (len > CA_TEMPLATE_MAX)
		return CA_ETOOBIG;
	rc = tpl_parse(src, len, &t);
	if (rc != CA_OK)
		return rc;
	/* Parsing costs work too: a partial is parsed at every use. */
	r->work += t.n;
	rc = tpl_render_range(r, t.v, 0, t.n, depth);
	toks_free(&t);
	return rc;
}

static enum ca_err
tpl_render_partial(struct render *r, const struct tok *tk,
    unsigned int depth)
{
	char		 name[CA_TEMPLATE_NAME_MAX + 1];
	char		*src = NULL, *ind = NULL;
	size_t		 len, ilen;
	enum ca_err	 rc = CA_OK;

	if (r->fn == NULL)
		goto out;
	if (depth >= CA_TEMPLATE_DEPTH_MAX) {
		rc = CA_ETOOBIG;
		goto out;
	}
	memcpy(name, tk->s, tk->len);
	name[tk->len] = '\0';
	src = r->fn(r->arg, name);
	if (src == NULL)
		goto out;
	len = strlen(src);
	if (len > CA_TEMPLATE_MAX) {
		rc = CA_ETOOBIG;
		goto out;
	}
	if (tk->indentlen > 0 && len > 0) {
		ind = tpl_indent(src, len, tk->indent, tk->indentlen, &ilen,
		    &rc);
		if (ind == NULL)
			goto out;
		rc = tpl_render_source(r, ind, ilen, depth + 1);
	} else
		rc = tpl_render_source(r, src, len, depth + 1);
out:
	ca_free(ind);
	ca_free(src);
	return rc;
}

static enum ca_err
tpl_render_section(struct render *r, const struct tok *v, size_t i,
    unsigned int depth)
{
	const cJSON	*val, *it;
	enum ca_err	 rc = CA_OK;

	val = tpl_lookup(r, v[i].s, v[i].len);
	if (v[i].kind == TOK_INVERTED) {
		if (!tpl_truthy(val))
			rc = tpl_render_range(r, v, i + 1, v[i].end,
			    depth + 1);
		return rc;
	}
	if (!tpl_truthy(val))
		return CA_OK;
	if (depth >= CA_TEMPLATE_DEPTH_MAX)
		return CA_ETOOBIG;
	if (cJSON_IsArray(val)) {
		for (it = val->child; it != NULL && rc == CA_OK;
		    it = it->next) {
			r->stack[r->nstack++] = it;
			rc = tpl_render_range(r, v, i + 1, v[i].end,
			    depth + 1);
			r->nstack--;
		}
		return rc;
	}
	r->stack[r->nstack++] = val;
	rc = tpl_render_range(r, v, i + 1, v[i].end, depth + 1);
	r->nstack--;
	return rc;
}

/* Renders tokens [from, to) of v at nesting depth. */
static enum ca_err
tpl_render_range(struct render *r, const struct tok *v, size_t from,
    size_t to, unsigned int depth)
{
	size_t		 i;
	enum ca_err	 rc = CA_OK;

	if (depth > CA_TEMPLATE_DEPTH_MAX)
		return CA_ETOOBIG;
	for (i = from; i < to && rc == CA_OK; i++) {
		if (++r->work > CA_TEMPLATE_WORK_MAX)
			return CA_ETOOBIG;
		switch (v[i].kind) {
		case TOK_TEXT:
			rc = ca_buf_add(r->out, v[i].s, v[i].len);
			break;
		case TOK_VAR:
		case TOK_RAW:
			rc = tpl_put_value(r->out,
			    tpl_lookup(r, v[i].s, v[i].len),
			    v[i].kind == TOK_VAR);
			break;
		case TOK_SECTION:
		case TOK_INVERTED:
			rc = tpl_render_section(r, v, i, depth);
			i = v[i].end - 1;
			break;
		case TOK_PARTIAL:
			rc = tpl_render_partial(r, &v[i], depth);
			break;
		default:
			rc = CA_EINVAL;
			break;
		}
	}
	return rc;
}

enum ca_err
ca_template_render(const char *tmpl, size_t len, const cJSON *ctx,
    ca_template_partial_fn fn, void *arg, struct ca_buf *out)
{
	struct render	 r;
	size_t		 start;
	enum ca_err	 rc;

	if (tmpl == NULL || out == NULL)
		return CA_EINVAL;
	start = out->len;
	r.stack[0] = ctx;
	r.nstack = 1;
	r.fn = fn;
	r.arg = arg;
	r.out = out;
	r.work = 0;
	rc = tpl_render_source(&r, tmpl, len, 0);
	if (rc != CA_OK && out->data != NULL) {
		/* Leave out as it was: drop what this call appended. */
		out->len = start;
		out->data[start] = '\0';
	}
	return rc;
}

/* 1 when name is a safe template name (see template.h). */
static int
tpl_name_ok(const char *name)
{
	size_t	 i, len;
	char	 c;

	len = strlen(name);
	if (len == 0 || len > CA_TEMPLATE_FILE_NAME_MAX)
		return 0;
	if (name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (i = 0; i < len; i++) {
		c = name[i];
		if (c == '/' && name[i + 1] == '/')
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '/'))
			return 0;
	}
	return 1;
}

/*
 * Reads <dir>/<name>.html into a string the caller frees with ca_free().
 * Returns CA_EINVAL (bad name), CA_ENOTFOUND, CA_ETOOBIG or CA_EIO.
 */
static enum ca_err
tpl_read_file(const char *dir, const char *name, char **res)
{
	struct ca_buf	 path, b;
	char		 chunk[TEMPLATE_READ_CHUNK];
	FILE		*f = NULL;
	size_t		 n;
	enum ca_err	 rc;

	*res = NULL;
	ca_buf_init(&path, TEMPLATE_PATH_MAX);
	ca_buf_init(&b, CA_TEMPLATE_MAX);
	if (!tpl_name_ok(name)) {
		rc = CA_EINVAL;
		goto out;
	}
	rc = ca_buf_printf(&path, "%s/%s.html", dir, name);
	if (rc != CA_OK)
		goto out;
	f = fopen(ca_buf_str(&path), "rb");
	if (f == NULL) {
		rc = errno == ENOENT || errno == ENOTDIR ? CA_ENOTFOUND :
		    CA_EIO;
		goto out;
	}
	for (;;) {
		n = fread(chunk, 1, sizeof(chunk), f);
		rc = ca_buf_add(&b, chunk, n);
		if (rc != CA_OK)
			goto out;
		if (n < sizeof(chunk))
			break;
	}
	if (ferror(f)) {
		rc = CA_EIO;
		goto out;
	}
	if (memchr(ca_buf_str(&b), '\0', b.len) != NULL) {
		rc = CA_EPARSE;
		goto out;
	}
	*res = ca_buf_take(&b);
	if (*res == NULL)
		rc = CA_ENOMEM;
out:
	if (f != NULL)
		fclose(f);
	ca_buf_free(&path);
	ca_buf_free(&b);
	return rc;
}

/* The partial loader of ca_template_render_file(). */
static char *
tpl_file_partial(void *arg, const char *name)
{
	struct file_loader	*l = arg;
	char			*src;
	enum ca_err		 rc;

	rc = tpl_read_file(l->dir, name, &src);
	if (rc != CA_OK && rc != CA_ENOTFOUND && l->rc == CA_OK)
		l->rc = rc;
	return rc == CA_OK ? src : NULL;
}

enum ca_err
ca_template_render_file(const char *dir, const char *name, const cJSON *ctx,
    struct ca_buf *out)
{
	struct file_loader	 l;
	char			*src = NULL;
	size_t			 start;
	enum ca_err		 rc;

	if (dir == NULL || name == NULL || out == NULL)
		return CA_EINVAL;
	rc = tpl_read_file(dir, name, &src);
	if (rc != CA_OK)
		goto out;
	l.dir = dir;
	l.rc = CA_OK;
	start = out->len;
	rc = ca_template_render(src, strlen(src), ctx, tpl_file_partial, &l,
	    out);
	if (rc == CA_OK && l.rc != CA_OK) {
		rc = l.rc;
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
out:
	ca_free(src);
	return rc;
}
