#ifndef IMAGE_INBOX_CSYSTEMD_SHIM_H
#define IMAGE_INBOX_CSYSTEMD_SHIM_H

// The journal records the Swift caller's location itself (CODE_FILE, CODE_LINE, CODE_FUNC),
// so the C location of the shim would only mislead.
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
