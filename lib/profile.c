/*
 * profile.c: ownership of struct ca_profile (see profile.h).
 */
#include <string.h>

#include "alloc.h"
#include "profile.h"

void
ca_profile_free(struct ca_profile *p)
{

	if (p == NULL)
		return;
	ca_free(p->provider);
	ca_free(p->provider_user_id);
	ca_free(p->email);
	ca_free(p->name);
	ca_free(p->picture);
	ca_free(p->app_id);
	memset(p, 0, sizeof(*p));
}
