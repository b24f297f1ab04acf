/* json: text into --json output, shown even where it is not UTF-8. */
#include "xhinv.h"

#include <stdlib.h>

#include "utf8.h"

json_t *
cli_json_str(const char *s)
{
	json_t *j;
	char *v;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8 (jansson refuses it): its bytes as \xNN, never dropped. */
	v = utf8_visible(s);
	j = json_string(v);
	free(v);
	return j != NULL ? j : json_null();
}

int
cli_json_print(json_t *o)
{
	int rc;

	if (o == NULL) {
		fprintf(stderr, "xhinv: cannot build the JSON output\n");
		return 1;
	}
	rc = json_dumpf(o, stdout, JSON_INDENT(2));
	json_decref(o);
	printf("\n");
	/* main() turns a failed write into exit 1, saying so. */
	return rc == 0 ? 0 : 1;
}
