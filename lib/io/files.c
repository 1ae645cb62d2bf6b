/* File-system helpers (files.h). */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Long enough for a results directory (BLR_PATH_LEN) and anything a record holds under it. */
#define FILES_PATH_LEN 2048

/* The Makefile sets it from PREFIX. */
#ifndef BLR_SHARE_DIR
#define BLR_SHARE_DIR "/usr/local/share/lieblr"
#endif

/* dir = a/b, or a when b is "": when b/probe is readable under a, 1. */
static int holds(char *dir, size_t len, const char *a, const char *b, const char *probe)
{
    char p[FILES_PATH_LEN];
    snprintf(dir, len, "%s%s%s", a, *b ? "/" : "", b);
    snprintf(p, sizeof p, "%s/%s", dir, probe);
    return access(p, R_OK) == 0;
}

int blr_files_share_dir(const char *sub, const char *probe, char *dir, size_t len)
{
    char exe[FILES_PATH_LEN / 2], shared[FILES_PATH_LEN / 4];
    snprintf(shared, sizeof shared, "share/lieblr%s%s", *sub ? "/" : "", sub);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    for (int up = 0; up < 4 && strrchr(exe, '/'); up++) {
        *strrchr(exe, '/') = '\0';
        if (holds(dir, len, exe, shared, probe) || holds(dir, len, exe, sub, probe))
            return 0;
    }
    return holds(dir, len, BLR_SHARE_DIR, sub, probe) ? 0 : -1;
}

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: error: %s: %s", path, what, strerror(errno));
    return -1;
}

int blr_files_each(const char *dir, blr_files_fn fn, void *ctx, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail(err, errlen, dir, "cannot open directory");
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[FILES_PATH_LEN];
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) {
            errno = ENAMETOOLONG;
            rc = fail(err, errlen, dir, "cannot list");
        } else {
            rc = fn(ctx, e->d_name, path, err, errlen);
        }
    }
    closedir(d);
    return rc;
}

int blr_files_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int blr_files_mkdir_p(const char *path, char *err, size_t errlen)
{
    char buf[FILES_PATH_LEN];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return fail(err, errlen, path, "cannot create directory");
    }
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0) {
            if (errno != EEXIST)
                return fail(err, errlen, buf, "cannot create directory");
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
                snprintf(err, errlen, "%s: error: exists and is not a directory", buf);
                return -1;
            }
        }
        if (c == '\0')
            return 0;
        *p = c;
    }
}

static int remove_entry(void *ctx, const char *name, const char *path, char *err,
                        size_t errlen)
{
    (void)ctx;
    (void)name;
    return blr_files_remove_tree(path, err, errlen);
}

int blr_files_remove_tree(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : fail(err, errlen, path, "cannot remove");
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 ? 0 : fail(err, errlen, path, "cannot remove");
    int rc = blr_files_each(path, remove_entry, NULL, err, errlen);
    if (rc != 0)
        return rc;
    return rmdir(path) == 0 ? 0 : fail(err, errlen, path, "cannot remove");
}

static int copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
    unlink(dst);
    if (link(src, dst) == 0)
        return 0;
    char tmp[FILES_PATH_LEN + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", dst);
    FILE *in = fopen(src, "rb");
    if (!in)
        return fail(err, errlen, src, "cannot read");
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        fclose(in);
        return fail(err, errlen, tmp, "cannot create");
    }
    char buf[65536];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
        bad = fwrite(buf, 1, n, out) != n;
    bad = ferror(in) || bad;
    fclose(in);
    bad = fclose(out) != 0 || bad;
    if (bad || rename(tmp, dst) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return fail(err, errlen, dst, "cannot write");
    }
    return 0;
}

static int copy_entry(void *ctx, const char *name, const char *path, char *err,
                      size_t errlen)
{
    char to[FILES_PATH_LEN];
    snprintf(to, sizeof to, "%s/%s", (const char *)ctx, name);
    struct stat st;
    if (stat(path, &st) != 0)
        return fail(err, errlen, path, "cannot read");
    if (S_ISDIR(st.st_mode))
        return blr_files_copy_tree(path, to, err, errlen);
    return S_ISREG(st.st_mode) ? copy_file(path, to, err, errlen) : 0;
}

int blr_files_copy_tree(const char *src, const char *dst, char *err, size_t errlen)
{
    if (blr_files_mkdir_p(dst, err, errlen) != 0)
        return -1;
    return blr_files_each(src, copy_entry, (void *)dst, err, errlen);
}
