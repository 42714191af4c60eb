/* HTTP GET from a server on the host (QEMU's user network: the host is 10.0.2.2), for the
 * network record/replay test: netget PORT PATH prints the whole response, then its size. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: netget PORT PATH\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    inet_pton(AF_INET, "10.0.2.2", &a.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("netget: connect 10.0.2.2");
        return 1;
    }
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 10.0.2.2\r\n\r\n", argv[2]);
    if (write(fd, req, (size_t)n) != n) {
        perror("netget: write");
        return 1;
    }
    char buf[4096];
    ssize_t got;
    long total = 0;
    printf("netget: response begin\n");
    while ((got = read(fd, buf, sizeof(buf))) > 0) {
        fwrite(buf, 1, (size_t)got, stdout);
        total += got;
    }
    printf("\nnetget: response end, %ld bytes\n", total);
    close(fd);
    return 0;
}
