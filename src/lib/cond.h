/*
 * cond: a condition variable whose timed wait follows the monotonic clock,
 * so a change of the wall clock neither shortens nor stretches it. Linux
 * has pthread_condattr_setclock (cond_linux.c); macOS has not, and waits
 * for a relative time instead (cond_darwin.c).
 *
 *	cond_init_mono(&cv);
 *	deadline = now (CLOCK_MONOTONIC) + timeout;
 *	while (!done && cond_wait_mono(&cv, &lock, &deadline) != ETIMEDOUT)
 *		;
 */
#ifndef COND_H
#define COND_H

#include <pthread.h>
#include <time.h>

void cond_init_mono(pthread_cond_t *cv);
/* 0 when woken (or spuriously), ETIMEDOUT once deadline has passed. */
int cond_wait_mono(pthread_cond_t *cv, pthread_mutex_t *lock,
    const struct timespec *deadline);

#endif
