/*
 * cond_darwin: macOS has no pthread_condattr_setclock; its
 * pthread_cond_timedwait_relative_np waits for a span instead, computed
 * here from the monotonic deadline.
 */
#include "cond.h"

#include <errno.h>

void
cond_init_mono(pthread_cond_t *cv)
{
	pthread_cond_init(cv, NULL);
}

int
cond_wait_mono(pthread_cond_t *cv, pthread_mutex_t *lock,
    const struct timespec *deadline)
{
	struct timespec now, rel;

	clock_gettime(CLOCK_MONOTONIC, &now);
	rel.tv_sec = deadline->tv_sec - now.tv_sec;
	rel.tv_nsec = deadline->tv_nsec - now.tv_nsec;
	if (rel.tv_nsec < 0) {
		rel.tv_sec--;
		rel.tv_nsec += 1000000000;
	}
	if (rel.tv_sec < 0)
		return ETIMEDOUT;
	return pthread_cond_timedwait_relative_np(cv, lock, &rel);
}
