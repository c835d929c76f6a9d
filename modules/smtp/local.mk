# SPDX-License-Identifier: GPL-2.0-or-later
# modules/smtp/: the SMTP module (MX, submission, SMTPS roles).
