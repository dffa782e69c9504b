/* SPDX-License-Identifier: MIT */
/* email_message.h - the message of the email notifier (email_message.c). */
#ifndef MW_EMAIL_MESSAGE_H
#define MW_EMAIL_MESSAGE_H

#include "mw_notify.h"

struct email_message {
  const char *from;      /* an address, checked by the notifier */
  const char *const *to; /* addresses */
  size_t nto;
  const char *domain; /* the right-hand side of Message-IDs */
  const char *thread; /* the Message-ID this one answers ("<...>"), or NULL */
};

/* This event's Message-ID ("<evt_...@DOMAIN>"): the same for every attempt of one event. */
void email_message_id(const struct mw_event *ev, const char *domain, char *out, size_t outlen);
/* Headers and body, CRLF line ends, appended to out. 0, or -1 when out overflowed. */
int email_message_build(const struct email_message *m, const struct mw_event *ev,
                        struct mw_buf *out);

#endif
