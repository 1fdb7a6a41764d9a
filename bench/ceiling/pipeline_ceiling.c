/* The fastest any SMTP client can send on one connection to a server without CHUNKING: each
 * message's data, its final dot and the next message's MAIL, RCPT and DATA leave in one write
 * (RFC 2920 section 3.1), then the client waits for those four replies, the last being the 354
 * that lets the next data go. One round trip per message, no parsing beyond counting final reply
 * lines, no allocation: a bound for bench/smtp-throughput.sh's one-connection figures.
 * Usage: pipeline_ceiling PORT MESSAGES SIZE */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char in[65536];
static size_t have;

/* Reads until `count` final reply lines ("ddd " lines) arrived; exits on anything but 2xx/3xx. */
static void replies(int fd, int count) {
    while (count > 0) {
        char *end;
        while ((end = memmem(in, have, "\r\n", 2)) == NULL) {
            ssize_t n = read(fd, in + have, sizeof in - have);
            if (n <= 0) { fprintf(stderr, "connection closed\n"); exit(1); }
            have += (size_t)n;
        }
        size_t length = (size_t)(end - in) + 2;
        if (length >= 4 && in[3] == ' ') {
            if (in[0] != '2' && in[0] != '3') { fprintf(stderr, "refused: %.*s", (int)length, in); exit(1); }
            count--;
        }
        memmove(in, in + length, have - length);
        have -= length;
    }
}

static void send_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n <= 0) { perror("write"); exit(1); }
        bytes += n;
        length -= (size_t)n;
    }
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s PORT MESSAGES SIZE\n", argv[0]); return 2; }
    int port = atoi(argv[1]), messages = atoi(argv[2]), size = atoi(argv[3]);
    const char *envelope = "MAIL FROM:<bench@example.com>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\n";
    const char *line = "The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ.\r\n";
    char *out = malloc((size_t)size + 256);
    size_t body = (size_t)sprintf(out, "From: bench@example.com\r\nTo: rcpt@example.net\r\nSubject: throughput test\r\n"
                                       "Message-ID: <bench@example.com>\r\n\r\n");
    while (body + strlen(line) <= (size_t)size) { memcpy(out + body, line, strlen(line)); body += strlen(line); }
    memcpy(out + body, ".\r\n", 3);
    size_t last = body + 3;
    memcpy(out + last, envelope, strlen(envelope));
    size_t withNext = last + strlen(envelope);

    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    replies(fd, 1);
    send_all(fd, "EHLO ceiling.localhost\r\n", 24);
    replies(fd, 1);

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    send_all(fd, envelope, strlen(envelope));
    replies(fd, 3);
    for (int i = 0; i < messages; i++) {
        int more = i + 1 < messages;
        send_all(fd, out, more ? withNext : last);
        replies(fd, more ? 4 : 1);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("pipeline-ceiling connections=1 messages=%d seconds=%.3f rate=%.0f msg/s\n", messages, seconds, messages / seconds);
    send_all(fd, "QUIT\r\n", 6);
    close(fd);
    return 0;
}
