/* SPDX-License-Identifier: GPL-2.0-or-later */
/* whoami: prints the ids it runs with (tests qtrace.user=1). Prints: uid=U gid=G euid=E */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("uid=%d gid=%d euid=%d\n", (int)getuid(), (int)getgid(), (int)geteuid());
    return 0;
}
