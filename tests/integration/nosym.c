/* SPDX-License-Identifier: MIT */
/* A shared object without the entry point. */
int not_a_check(void);

int not_a_check(void)
{
  return 1;
}
