/*
 * utf8: text that must become JSON (inventory details, --json output) is
 * checked here, and bytes that are not UTF-8 (a Latin-1 file name, a
 * command line typed on another terminal) are shown, not lost: each
 * becomes the four characters \xNN.
 *
 *	if (!utf8_valid(s)) { char *v = utf8_visible(s); ...; free(v); }
 */
#ifndef UTF8_H
#define UTF8_H

/* 1 when s is well-formed UTF-8 (no overlong forms, no surrogates, at
 * most U+10FFFF). */
int utf8_valid(const char *s);
/* A copy of s with every byte that is not part of a well-formed UTF-8
 * sequence written as \xNN (lower-case hex); the caller's. */
char *utf8_visible(const char *s);

#endif
