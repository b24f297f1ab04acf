/*
 * schema: the SQL migrations in schema/, embedded at build time by
 * scripts/embed-schema. Only inv.c reads them.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

struct schema_migration {
	int version;		/* the NNNN of schema/NNNN-what.sql */
	const char *name;	/* file name, for error messages */
	const char *sql;
};

extern const struct schema_migration schema_migrations[];
extern const int schema_nmigrations;

#endif
