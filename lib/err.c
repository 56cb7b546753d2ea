/*
 * err.c: texts for enum ca_err.  The table is sized by CA_ERR__MAX so a new
 * member without a text fails to compile rather than printing garbage.
 */
#include "err.h"

static const char *const ca_errs[CA_ERR__MAX] = {
	"success",			/* CA_OK */
	"out of memory",		/* CA_ENOMEM */
	"invalid argument",		/* CA_EINVAL */
	"input too large",		/* CA_ETOOBIG */
	"malformed input",		/* CA_EPARSE */
	"not found",			/* CA_ENOTFOUND */
	"already exists",		/* CA_EEXIST */
	"expired",			/* CA_EEXPIRED */
	"check failed",			/* CA_EDENIED */
	"configuration error",		/* CA_ECONFIG */
	"database error",		/* CA_EDB */
	"provider error",		/* CA_EUPSTREAM */
	"timed out",			/* CA_ETIMEOUT */
	"input/output error",		/* CA_EIO */
	"cryptography error",		/* CA_ECRYPTO */
};

const char *
ca_strerror(enum ca_err e)
{

	if ((int)e < 0 || e >= CA_ERR__MAX)
		return "unknown error";
	return ca_errs[e];
}
