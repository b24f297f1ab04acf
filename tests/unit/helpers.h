/*
 * helpers.h: small helpers the unit tests share. Include after tap.h.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* A printable copy of n bytes of s for test names (TAP lines must stay one
 * line); four live at a time. */
static __attribute__((unused)) const char *
visn(const char *s, size_t n)
{
	static char ring[4][200];
	static int k;
	char *o = ring[k++ % 4];
	size_t i, m = 0;

	for (i = 0; i < n && m + 5 < sizeof ring[0]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f)
			m += (size_t)snprintf(o + m, 5, "\\x%02x", c);
		else
			o[m++] = (char)c;
	}
	o[m] = '\0';
	return o;
}

static __attribute__((unused)) const char *
vis(const char *s)
{
	return visn(s, strlen(s));
}

/* Run a shell command (tests only: the library never uses a shell); its
 * exit status, 128 when killed, -1 when it could not run. */
static int __attribute__((unused, format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	st = system(cmd);
	free(cmd);
	return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* How many entries of directory d (not . or ..) have part in their name
 * (NULL: all); -1 when it cannot be read. */
static int __attribute__((unused))
count_names(const char *d, const char *part)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    (part == NULL || strstr(de->d_name, part) != NULL))
			n++;
	closedir(dp);
	return n;
}

/* How many half-written ("*.tmp.*") files directory d holds. */
static int __attribute__((unused))
count_tmp(const char *d)
{
	return count_names(d, ".tmp.");
}

#endif
