/* lines_b: the lines guest with tag B, printing through port 0xE9. */
#define LINES_TAG  'B'
#define LINES_SINK CONSOLE_E9
#include "tests/guests/lines.c"
