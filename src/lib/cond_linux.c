/* cond_linux: a condition variable on CLOCK_MONOTONIC. */
#include "cond.h"

void
cond_init_mono(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

int
cond_wait_mono(pthread_cond_t *cv, pthread_mutex_t *lock,
    const struct timespec *deadline)
{
	return pthread_cond_timedwait(cv, lock, deadline);
}
