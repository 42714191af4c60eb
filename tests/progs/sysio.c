/* Deterministic file I/O for the syscall test: the same calls natively (under strace) and
 * under qtrace run --syscalls. Descriptors are moved to 10 and 11 so that both runs print the
 * same numbers (QEMU's own descriptors shift the ones open() returns). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    char buf[64];
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 10);
    close(fd);
    write(10, "hello, qtrace\n", 14);
    close(10);
    fd = open(argv[1], O_RDONLY);
    dup2(fd, 11);
    close(fd);
    ssize_t n = read(11, buf, sizeof(buf));
    close(11);
    unlink(argv[1]);
    printf("sysio: read %zd bytes\n", n);
    return 0;
}
