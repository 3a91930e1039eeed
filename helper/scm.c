/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The …Scm exchanges (see scm.h).  The protocol is the original
 * manager's, so its proxies and clients keep working:
 *
 *   client: socketpair(AF_UNIX, SOCK_DGRAM), one end passed in the call
 *   daemon: SO_PASSCRED on that end, one byte '1' (go ahead), empty reply
 *   client: a datagram with SCM_CREDENTIALS: the requestor (usually itself)
 *   daemon: for the methods naming a process or ids, '1' again, and
 *   client: a datagram with SCM_CREDENTIALS: the pid (or uid/gid) meant
 *   daemon: the answer, encoded per method (scm_encode_result)
 *
 * Every exchange is an entry in one epoll set that the main loop polls
 * with the D-Bus watches, with a deadline; reads and writes never wait,
 * and an answer too long for the client's queue waits for EPOLLOUT.  A
 * client that never sends, or dies, costs one descriptor until the
 * deadline, and the number of open exchanges is bounded per uid and in
 * all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "methods.h"
#include "policy.h"
#include "scm.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76 /* Linux 6.5, asm-generic value; Debian 12's headers lack it */
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

#define SCM_MAX		256 /* open exchanges in all */
#define SCM_MAX_PER_UID 16  /* ... per calling uid */
#define SCM_GO_AHEAD	'1'
#define EVENTS_MAX	16

/* How the answer of a method is encoded. */
enum scm_answer {
	ANSWER_STATUS,	/* '1' done, '0' refused */
	ANSWER_EXISTED, /* '2' existed (Create) or was removed (Remove), '1' done otherwise, '0' refused */
	ANSWER_STRING,	/* the string with its NUL; an empty datagram when refused */
	ANSWER_PIDS,	/* int32 count (-1 refused), then one datagram per pid, the pid as SCM_CREDENTIALS */
	ANSWER_NAMES,	/* int32 count (-1 refused); if > 0, uint32 length, then the names NUL-separated */
	ANSWER_KEYS,	/* as NAMES, the text "name\nuid\ngid\nmode\n" for each key */
};

static const struct scm_method {
	const char *name;
	const char *plain;
	int creds; /* credentials the client sends: the requestor, and the process or ids meant */
	enum scm_answer answer;
} scm_methods[] = {
	{"GetPidCgroupScm", "GetPidCgroup", 2, ANSWER_STRING},
	{"GetPidCgroupAbsScm", "GetPidCgroupAbs", 2, ANSWER_STRING},
	{"CreateScm", "Create", 1, ANSWER_EXISTED},
	{"ChownScm", "Chown", 2, ANSWER_STATUS},
	{"ChmodScm", "Chmod", 1, ANSWER_STATUS},
	{"MovePidScm", "MovePid", 2, ANSWER_STATUS},
	{"MovePidAbsScm", "MovePidAbs", 2, ANSWER_STATUS},
	{"GetValueScm", "GetValue", 1, ANSWER_STRING},
	{"SetValueScm", "SetValue", 1, ANSWER_STATUS},
	{"RemoveScm", "Remove", 1, ANSWER_EXISTED},
	{"GetTasksScm", "GetTasks", 1, ANSWER_PIDS},
	{"GetTasksRecursiveScm", "GetTasksRecursive", 1, ANSWER_PIDS},
	{"ListChildrenScm", "ListChildren", 1, ANSWER_NAMES},
	{"RemoveOnEmptyScm", "RemoveOnEmpty", 1, ANSWER_STATUS},
	{"PruneScm", "Prune", 1, ANSWER_STATUS},
	{"ListKeysScm", "ListKeys", 1, ANSWER_KEYS},
};
#define N_SCM_METHODS (sizeof(scm_methods) / sizeof(scm_methods[0]))

struct exchange {
	struct exchange *next;
	const struct scm_method *sm;
	const struct hierarchy_set *set;
	DBusMessage *call; /* the arguments of the plain method */
	int fd;
	uint64_t deadline_ms;
	/* The client that called. */
	pid_t peer_pid;
	uid_t peer_uid;
	bool peer_host_root;
	dev_t peer_userns_dev;
	ino_t peer_userns_ino;
	char **peer_cgroups;
	/* The credentials received so far, with the pidfds the kernel pinned them with (-1: none). */
	int got;
	struct ucred cred[2];
	int pidfd[2];
	/* Datagrams to send; `answered` once the answer is among them. */
	struct scm_dgram *out;
	size_t nout, sent;
	bool answered;
	uint32_t events; /* as registered with epoll */
};

static int epfd = -1;
static struct exchange *open_list;
static size_t n_open;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct scm_method *scm_find(const char *name)
{
	for (size_t i = 0; i < N_SCM_METHODS; i++)
		if (strcmp(scm_methods[i].name, name) == 0)
			return &scm_methods[i];
	return NULL;
}

const char *scm_plain_method(const char *name)
{
	const struct scm_method *sm = scm_find(name);

	return sm ? sm->plain : NULL;
}

/* --- answers -------------------------------------------------------------------- */

void scm_dgrams_free(struct scm_dgram *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].data);
	free(d);
}

/* Appends a datagram of `len` bytes copied from `data`; false when out of memory. */
static bool add_dgram(struct scm_dgram **d, size_t *n, const void *data, size_t len, pid_t cred_pid)
{
	struct scm_dgram *grown = realloc(*d, (*n + 1) * sizeof(**d));
	char *copy = malloc(len ? len : 1);

	if (grown)
		*d = grown;
	if (!grown || !copy) {
		free(copy);
		return false;
	}
	if (len)
		memcpy(copy, data, len);
	(*d)[(*n)++] = (struct scm_dgram){.data = copy, .len = len, .cred_pid = cred_pid};
	return true;
}

static bool add_int32(struct scm_dgram **d, size_t *n, int32_t v)
{
	return add_dgram(d, n, &v, sizeof(v), 0);
}

/* The count, and when there are any, the length and the text. */
static bool add_listing(struct scm_dgram **d, size_t *n, int32_t count, const char *text, size_t len)
{
	uint32_t len32 = (uint32_t)len;

	if (!add_int32(d, n, count))
		return false;
	if (count <= 0)
		return true;
	return add_dgram(d, n, &len32, sizeof(len32), 0) && add_dgram(d, n, text, len, 0);
}

/* Appends `s` (with its NUL when `nul`) to the growing text *buf of *len bytes. */
static bool text_add(char **buf, size_t *len, const char *s, bool nul)
{
	size_t n = strlen(s) + (nul ? 1 : 0);
	char *grown = realloc(*buf, *len + n + 1);

	if (!grown)
		return false;
	memcpy(grown + *len, s, n);
	*len += n;
	grown[*len] = '\0';
	*buf = grown;
	return true;
}

/* The success answer from the plain method's return values (already checked to match its out signature). */
static bool encode_success(const struct scm_method *sm, DBusMessageIter *it, struct scm_dgram **d, size_t *n)
{
	DBusMessageIter a, e;
	const char *s;
	char *text = NULL, num[16];
	size_t len = 0;
	int32_t v, count = 0;
	uint32_t uid, gid, mode;
	bool ok = true;

	switch (sm->answer) {
	case ANSWER_STATUS:
		return add_dgram(d, n, "1", 1, 0);
	case ANSWER_EXISTED:
		dbus_message_iter_get_basic(it, &v);
		return add_dgram(d, n, v == 1 ? "2" : "1", 1, 0);
	case ANSWER_STRING:
		dbus_message_iter_get_basic(it, &s);
		return add_dgram(d, n, s, strlen(s) + 1, 0);
	case ANSWER_PIDS: {
		const int32_t *pids;
		int npids = 0;

		dbus_message_iter_recurse(it, &a);
		dbus_message_iter_get_fixed_array(&a, &pids, &npids);
		ok = add_int32(d, n, npids);
		for (int i = 0; ok && i < npids; i++)
			ok = add_dgram(d, n, "1", 1, pids[i]);
		return ok;
	}
	case ANSWER_NAMES:
		dbus_message_iter_recurse(it, &a);
		for (; ok && dbus_message_iter_get_arg_type(&a) == DBUS_TYPE_STRING; dbus_message_iter_next(&a)) {
			dbus_message_iter_get_basic(&a, &s);
			ok = text_add(&text, &len, s, true);
			count++;
		}
		break;
	case ANSWER_KEYS:
		dbus_message_iter_recurse(it, &a);
		for (; ok && dbus_message_iter_get_arg_type(&a) == DBUS_TYPE_STRUCT; dbus_message_iter_next(&a)) {
			dbus_message_iter_recurse(&a, &e);
			dbus_message_iter_get_basic(&e, &s);
			dbus_message_iter_next(&e);
			dbus_message_iter_get_basic(&e, &uid);
			dbus_message_iter_next(&e);
			dbus_message_iter_get_basic(&e, &gid);
			dbus_message_iter_next(&e);
			dbus_message_iter_get_basic(&e, &mode);
			ok = text_add(&text, &len, s, false) && text_add(&text, &len, "\n", false);
			for (int f = 0; ok && f < 3; f++) {
				snprintf(num, sizeof(num), "%u\n", f == 0 ? uid : f == 1 ? gid : mode);
				ok = text_add(&text, &len, num, false);
			}
			count++;
		}
		break;
	}
	ok = ok && add_listing(d, n, count, text, len);
	free(text);
	return ok;
}

static const char *answer_sig(enum scm_answer a)
{
	switch (a) {
	case ANSWER_STATUS:
		return "";
	case ANSWER_EXISTED:
		return "i";
	case ANSWER_STRING:
		return "s";
	case ANSWER_PIDS:
		return "ai";
	case ANSWER_NAMES:
		return "as";
	case ANSWER_KEYS:
		return "a(suuu)";
	}
	return "";
}

int scm_encode_result(const char *name, DBusMessage *reply, struct scm_dgram **ret, size_t *ret_n)
{
	const struct scm_method *sm = scm_find(name);
	struct scm_dgram *d = NULL;
	size_t n = 0;
	DBusMessageIter it;
	bool ok;

	*ret = NULL;
	*ret_n = 0;
	if (!sm)
		return -1;
	if (reply && dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN &&
	    dbus_message_has_signature(reply, answer_sig(sm->answer))) {
		dbus_message_iter_init(reply, &it);
		ok = encode_success(sm, &it, &d, &n);
	} else if (sm->answer == ANSWER_STATUS || sm->answer == ANSWER_EXISTED)
		ok = add_dgram(&d, &n, "0", 1, 0);
	else if (sm->answer == ANSWER_STRING)
		ok = add_dgram(&d, &n, "", 0, 0);
	else
		ok = add_int32(&d, &n, -1);
	if (!ok) {
		scm_dgrams_free(d, n);
		return -1;
	}
	*ret = d;
	*ret_n = n;
	return 0;
}

/* --- exchanges ------------------------------------------------------------------------- */

static void exchange_free(struct exchange *x)
{
	struct exchange **pp;

	for (pp = &open_list; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			n_open--;
			break;
		}
	/* The client may hold the same socket open: close alone would leave it in the epoll set. */
	if (x->events)
		epoll_ctl(epfd, EPOLL_CTL_DEL, x->fd, NULL);
	close(x->fd);
	for (int i = 0; i < 2; i++)
		if (x->pidfd[i] >= 0)
			close(x->pidfd[i]);
	free(x->peer_cgroups);
	scm_dgrams_free(x->out, x->nout);
	if (x->call)
		dbus_message_unref(x->call);
	free(x);
}

/* Ends exchange `x`, logging `why` (NULL: it completed). */
static void exchange_end(struct exchange *x, const char *why)
{
	if (why)
		log_notice("%s for uid %u pid %d: %s", x->sm->name, (unsigned)x->peer_uid, (int)x->peer_pid, why);
	exchange_free(x);
}

/* Registers for what `x` waits on: credentials still to come, datagrams still to send. */
static int exchange_watch(struct exchange *x)
{
	struct epoll_event ev = {.data.ptr = x};
	int op = x->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	if (x->got < x->sm->creds)
		ev.events |= EPOLLIN;
	if (x->sent < x->nout)
		ev.events |= EPOLLOUT;
	if (ev.events == x->events)
		return 0;
	if (!ev.events) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, x->fd, NULL);
		x->events = 0;
		return 0;
	}
	if (epoll_ctl(epfd, op, x->fd, &ev) < 0)
		return -1;
	x->events = ev.events;
	return 0;
}

/* Whether process `pid` still exists (its number can still be sent). */
static bool pid_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/*
 * Sends one datagram, with the pid as SCM_CREDENTIALS when it has one
 * (the daemon may name any process; the kernel translates it into the
 * reader's pid namespace).  Returns 0, or -errno.
 */
static int send_dgram(int fd, const struct scm_dgram *d)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = d->data, .iov_len = d->len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct ucred cred = {.pid = d->cred_pid, .uid = getuid(), .gid = getgid()};

	if (d->cred_pid > 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(cred));
		memcpy(CMSG_DATA(cm), &cred, sizeof(cred));
	}
	return sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * A pid of a listing is gone before it could be sent: the count went out
 * first, so another listed pid that still exists takes its place (the
 * last one sent, else the next one alive).  False when none is left.
 */
static bool replace_gone_pid(struct exchange *x)
{
	for (size_t i = x->sent; i-- > 0;)
		if (x->out[i].cred_pid > 0) {
			x->out[x->sent].cred_pid = x->out[i].cred_pid;
			return true;
		}
	for (size_t i = x->sent + 1; i < x->nout; i++)
		if (x->out[i].cred_pid > 0 && pid_exists(x->out[i].cred_pid)) {
			x->out[x->sent].cred_pid = x->out[i].cred_pid;
			return true;
		}
	return false;
}

/* Sends what the client's queue takes.  0 (all sent, or the rest waits for EPOLLOUT), or -1 with *why set. */
static int exchange_flush(struct exchange *x, const char **why)
{
	while (x->sent < x->nout) {
		int r = send_dgram(x->fd, &x->out[x->sent]);

		if (r == -EAGAIN)
			return 0;
		if (r == -ESRCH && x->out[x->sent].cred_pid > 0) {
			if (replace_gone_pid(x))
				continue;
			*why = "every process listed exited before it could be sent";
			return -1;
		}
		if (r < 0) {
			*why = r == -ECONNREFUSED ? "the client closed its end of the socketpair"
			       : r == -EMSGSIZE	  ? "the answer is larger than one datagram may be"
						  : "cannot write on the socketpair";
			return -1;
		}
		x->sent++;
	}
	return 0;
}

static int exchange_queue(struct exchange *x, const void *data, size_t len)
{
	return add_dgram(&x->out, &x->nout, data, len, 0) ? 0 : -1;
}

/* Every credential is in: run the plain method as the requestor and queue its answer. */
static int exchange_complete(struct exchange *x)
{
	struct caller requestor;
	struct failure err = {0};
	struct scm_dgram *d = NULL;
	DBusMessage *reply = NULL;
	size_t n = 0;

	if (caller_from_creds(x->cred[0].pid, x->cred[0].uid, x->cred[0].gid, x->pidfd[0], &requestor, &err) < 0) {
		log_notice("refused %s for uid %u pid %d: the requestor named: %s", x->sm->name, (unsigned)x->peer_uid,
			   (int)x->peer_pid, err.message);
	} else {
		struct scm_request sr = {
			.requestor = &requestor,
			.peer_host_root = x->peer_host_root,
			.peer_userns_dev = x->peer_userns_dev,
			.peer_userns_ino = x->peer_userns_ino,
			.peer_cgroups = x->peer_cgroups,
			.pid = x->sm->creds > 1 ? x->cred[1].pid : 0,
			.pidfd = x->pidfd[1],
			.uid = x->cred[1].uid,
			.gid = x->cred[1].gid,
		};

		reply = methods_complete_scm(x->set, x->call, x->sm->plain, &sr);
		caller_clear(&requestor);
	}
	x->pidfd[0] = -1; /* caller_from_creds took it */
	if (scm_encode_result(x->sm->name, reply, &d, &n) < 0) {
		if (reply)
			dbus_message_unref(reply);
		return -1;
	}
	if (reply)
		dbus_message_unref(reply);
	for (size_t i = 0; i < n; i++) {
		if (!add_dgram(&x->out, &x->nout, d[i].data, d[i].len, d[i].cred_pid)) {
			scm_dgrams_free(d, n);
			return -1;
		}
	}
	scm_dgrams_free(d, n);
	x->answered = true;
	return 0;
}

/*
 * Trust boundary: a datagram from whoever holds the other end.  Only what
 * the kernel attached is used: SCM_CREDENTIALS (checked against what the
 * sender may claim, and translated into the daemon's namespaces) and the
 * SCM_PIDFD pinning that process; the payload is ignored, and descriptors
 * sent along are closed unread.
 */
static int read_credential(struct exchange *x, const char **why)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} control;
	char payload[16];
	struct iovec iov = {.iov_base = payload, .iov_len = sizeof(payload)};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct ucred cred = {0};
	bool have_cred = false;
	int pidfd = -1;

	if (recvmsg(x->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		*why = "cannot read from the socketpair";
		return -1;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS && cm->cmsg_len == CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
			have_cred = true;
		} else if (cm->cmsg_type == SCM_PIDFD && cm->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(&pidfd, CMSG_DATA(cm), sizeof(int));
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfds; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				close(fd);
			}
		}
	}
	/* A pid the daemon cannot see comes as 0; a message sent before SO_PASSCRED has none. */
	if (!have_cred || cred.pid <= 0) {
		if (pidfd >= 0)
			close(pidfd);
		*why = "a message without credentials of a process the daemon can see";
		return -1;
	}
	x->cred[x->got] = cred;
	x->pidfd[x->got] = pidfd;
	x->got++;
	return 1;
}

/* Moves `x` on after epoll reported `events`; ends it when done or broken. */
static void exchange_step(struct exchange *x, uint32_t events)
{
	const char *why = NULL;

	while ((events & EPOLLIN) && x->got < x->sm->creds) {
		int r = read_credential(x, &why);

		if (r < 0) {
			exchange_end(x, why);
			return;
		}
		if (r == 0)
			break;
		if (x->got < x->sm->creds && exchange_queue(x, (char[]){SCM_GO_AHEAD}, 1) < 0) {
			exchange_end(x, "out of memory");
			return;
		}
		if (x->got == x->sm->creds && exchange_complete(x) < 0) {
			exchange_end(x, "out of memory");
			return;
		}
	}
	if (exchange_flush(x, &why) < 0) {
		exchange_end(x, why);
		return;
	}
	if (x->answered && x->sent == x->nout) {
		exchange_end(x, NULL);
		return;
	}
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & (EPOLLIN | EPOLLOUT))) {
		exchange_end(x, "the socketpair broke");
		return;
	}
	if (exchange_watch(x) < 0)
		exchange_end(x, "cannot watch the socketpair");
}

/* --- the main loop's side ------------------------------------------------------------- */

/*
 * Trust boundary: `fd` is the client's.  It must be a Unix datagram socket
 * whose peer has no name, which only a socketpair gives, so the go-ahead
 * bytes reach the client and nothing else (not a logging socket).
 */
static int check_socketpair(int fd, struct failure *err)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(int), plen = sizeof(peer);
	int domain = 0, type = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &(socklen_t){sizeof(int)}) < 0 || type != SOCK_DGRAM ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 || plen != sizeof(sa_family_t))
		return failf(err, FAIL_INVALID_VALUE,
			     "the file descriptor passed is not one end of a SOCK_DGRAM socketpair");
	return 0;
}

static int count_open_for(uid_t uid)
{
	int n = 0;

	for (struct exchange *x = open_list; x; x = x->next)
		n += x->peer_uid == uid;
	return n;
}

int scm_begin(const struct hierarchy_set *set, DBusMessage *call, const char *name, const struct caller *peer,
	      char *const *peer_cgroups, int fd, struct failure *err)
{
	const struct scm_method *sm = scm_find(name);
	struct exchange *x = NULL;
	const char *why = NULL;
	int one = 1;

	if (!sm) {
		failf(err, FAIL_FAILED, "%s is not an Scm method", name);
		goto fail;
	}
	if (check_socketpair(fd, err) < 0)
		goto fail;
	if (n_open >= SCM_MAX || count_open_for(peer->uid) >= SCM_MAX_PER_UID) {
		failf(err, FAIL_BUSY, "too many Scm exchanges open (at most %d per uid, %d in all)", SCM_MAX_PER_UID,
		      SCM_MAX);
		goto fail;
	}
	if (epfd < 0 && (epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fail_errno(err, errno, "epoll_create1");
		goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
		fail_errno(err, errno, "SO_PASSCRED on the socketpair");
		goto fail;
	}
	/* Where the kernel has it, it pins each process named with a pidfd; without, caller.c opens one. */
	setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one));

	x = calloc(1, sizeof(*x));
	/* NULL entries: the client is outside cgmd's --root there (see hierarchies_pid_cgroups). */
	if (!x || !(x->peer_cgroups = hierarchies_cgroups_dup(set, peer_cgroups)))
		goto oom;
	x->set = set;
	x->sm = sm;
	x->fd = fd;
	x->pidfd[0] = x->pidfd[1] = -1;
	x->peer_pid = peer->pid;
	x->peer_uid = peer->uid;
	x->peer_host_root = policy_is_host_root(peer);
	x->peer_userns_dev = peer->userns_dev;
	x->peer_userns_ino = peer->userns_ino;
	x->call = dbus_message_ref(call);
	x->deadline_ms = now_ms() + SCM_TIMEOUT_MS;
	if (exchange_queue(x, (char[]){SCM_GO_AHEAD}, 1) < 0)
		goto oom;
	if (exchange_flush(x, &why) < 0) {
		failf(err, FAIL_INVALID_VALUE, "the socketpair passed: %s", why);
		goto fail_x;
	}
	if (exchange_watch(x) < 0) {
		fail_errno(err, errno, "epoll_ctl");
		goto fail_x;
	}
	x->next = open_list;
	open_list = x;
	n_open++;
	return 0;
oom:
	failf(err, FAIL_FAILED, "out of memory");
fail_x:
	if (x) {
		if (x->call)
			exchange_free(x); /* not listed yet: only releases, and closes fd */
		else {
			free(x->peer_cgroups);
			free(x);
			close(fd);
		}
		return -1;
	}
fail:
	close(fd);
	return -1;
}

int scm_watch_fd(void)
{
	return epfd;
}

int scm_timeout_ms(void)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	for (struct exchange *x = open_list; x; x = x->next)
		if (x->deadline_ms < next)
			next = x->deadline_ms;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

void scm_dispatch(void)
{
	struct epoll_event ev[EVENTS_MAX];
	uint64_t now;
	int n;

	if (epfd < 0)
		return;
	/* Each exchange has one registration, so one event at most per turn: ending it cannot stale another. */
	n = epoll_wait(epfd, ev, EVENTS_MAX, 0);
	for (int i = 0; i < n; i++)
		exchange_step(ev[i].data.ptr, ev[i].events);
	now = now_ms();
	for (struct exchange *x = open_list, *next; x; x = next) {
		next = x->next;
		if (x->deadline_ms <= now)
			exchange_end(x, x->got < x->sm->creds ? "timed out waiting for credentials"
							      : "timed out: the client does not read its answer");
	}
}

void scm_shutdown(void)
{
	while (open_list)
		exchange_free(open_list);
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}
