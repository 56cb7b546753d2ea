/*
 * template.h: a Mustache renderer over a cJSON context.
 *
 * Implements the Mustache spec (github.com/mustache/spec, the JSON
 * files in specs/): interpolation with HTML escaping by default,
 * sections, inverted sections, comments, partials with standalone
 * indentation, and set delimiters.  Lambdas are not supported.
 * {{x}} escapes & < > " and ' (as &#39;); {{{x}}} and {{& x}} do not.
 *
 * Values: strings print as they are, numbers in their shortest form that
 * reads back the same (85, 1.21), true and false as words, null, missing
 * names, objects and arrays as nothing.  Falsey for sections: missing,
 * null, false, "" and the empty array; everything else (also 0) is truthy.
 *
 * Templates are trusted site files, but any bytes are handled without a
 * crash: malformed ones give CA_EPARSE and every size is bounded below.
 */
#ifndef CA_TEMPLATE_H
#define CA_TEMPLATE_H

#include <stddef.h>

#include <cJSON.h>

#include "buf.h"
#include "err.h"

/* Largest template or partial source, in bytes. */
#define CA_TEMPLATE_MAX		(256 * 1024)
/* Deepest nesting of sections and partials together. */
#define CA_TEMPLATE_DEPTH_MAX	64
/* Longest tag name, after trimming its padding. */
#define CA_TEMPLATE_NAME_MAX	256
/* Longest delimiter set by {{=open close=}}. */
#define CA_TEMPLATE_DELIM_MAX	16
/* Most tokens one render may visit (stops loops over nested lists). */
#define CA_TEMPLATE_WORK_MAX	4000000
/* Longest template file name given to ca_template_render_file(). */
#define CA_TEMPLATE_FILE_NAME_MAX 64

/*
 * Returns the source of partial `name' as a NUL-terminated string that
 * the renderer frees with ca_free(), or NULL when there is no such
 * partial (which renders as nothing, per the spec).  A callback that
 * meets a real failure records it in its own `arg' for its caller.
 */
typedef char	*(*ca_template_partial_fn)(void *arg, const char *name);

/*
 * Renders the len bytes at tmpl against ctx (NULL is an empty context),
 * appending to out, whose max bounds the output.  fn may be NULL (no
 * partials).  Returns CA_OK; CA_EPARSE for a malformed template (tag or
 * section not closed, mismatched end tag, bad delimiters, empty name);
 * CA_ETOOBIG when the template, a partial, a name, the nesting depth, the
 * work or the output passes its limit; CA_ENOMEM; CA_EINVAL for NULL
 * tmpl or out.  On any error out is left as it was.
 */
enum ca_err	ca_template_render(const char *tmpl, size_t len,
		    const cJSON *ctx, ca_template_partial_fn fn, void *arg,
		    struct ca_buf *out) CA_WUR;

/*
 * Renders the file <dir>/<name>.html, resolving {{> p}} to <dir>/p.html.
 * A name is 1 to CA_TEMPLATE_FILE_NAME_MAX bytes of [A-Za-z0-9_/-] with
 * no leading, trailing or doubled '/'.  Returns what ca_template_render()
 * does, and CA_EINVAL for a bad name (also a partial's), CA_ENOTFOUND when
 * the main template does not exist (a missing partial renders as
 * nothing), CA_EIO when a file cannot be read.
 */
enum ca_err	ca_template_render_file(const char *dir, const char *name,
		    const cJSON *ctx, struct ca_buf *out) CA_WUR;

#endif
