/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * eldump FILE [text|json]: the execution log of a binary trace, through common/execlog_text.c,
 * with a minimal reader of its own (file header, chunks). A test tool: it checks the trace
 * layout independently of `qtrace dump`, which must print the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "execlog_text.h"

static void sink(void *ctx, unsigned vcpu, const char *data, size_t len)
{
    (void)ctx;
    (void)vcpu;
    fwrite(data, 1, len, stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: eldump FILE [text|json]\n");
        return 2;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    struct qt_file_hdr fh;
    if (fread(&fh, sizeof(fh), 1, fp) != 1 || memcmp(fh.magic, QT_FILE_MAGIC, 8) != 0) {
        fprintf(stderr, "%s: not a qtrace file\n", argv[1]);
        return 1;
    }
    if (fh.hdr_size > sizeof(fh))
        fseek(fp, (long)fh.hdr_size, SEEK_SET);
    struct qt_eltext_opts o = { .style = argc > 2 && strcmp(argv[2], "json") == 0 ? QT_ELTEXT_JSON : QT_ELTEXT_TEXT, .sink = sink };
    struct qt_eltext *f = qt_eltext_new(&o);
    uint64_t *buf = NULL;
    size_t cap = 0;
    struct qt_chunk_hdr ch;
    int rc = 0;
    while (fread(&ch, sizeof(ch), 1, fp) == 1) {
        if (ch.magic != QT_CHUNK_MAGIC) {
            fprintf(stderr, "bad chunk\n");
            rc = 1;
            break;
        }
        if (ch.size > cap) {
            cap = ch.size;
            buf = realloc(buf, cap);
        }
        if (fread(buf, 1, ch.size, fp) != ch.size) {
            fprintf(stderr, "truncated chunk\n");
            rc = 1;
            break;
        }
        size_t off = 0;
        while (off + sizeof(struct qt_rec_hdr) <= ch.size) {
            const struct qt_rec_hdr *h = (const struct qt_rec_hdr *)((const char *)buf + off);
            if (h->size < sizeof(*h) || off + h->size > ch.size)
                break;
            qt_eltext_record(f, h, ch.size - off);
            off += h->size;
        }
    }
    qt_eltext_finish(f);
    if (qt_eltext_errors(f)) {
        fprintf(stderr, "eldump: %llu bad records\n", (unsigned long long)qt_eltext_errors(f));
        rc = 1;
    }
    qt_eltext_free(f);
    free(buf);
    fclose(fp);
    return rc;
}
