/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-parser.c - the IMAP command parser on well-formed, odd and hostile
 * input.
 */
#include "autoconfig.h"

#include <string.h>

#include "parser.h"

static ImapCommand *
parse(const char *s, GError **error)
{
    return imap_parse_command(s, strlen(s), NULL, error);
}

static void
test_simple(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapCommand) cmd = parse("a1 login \"joe\" {5}\r\nse\"c \r\n", &error);

    g_assert_no_error(error);
    g_assert_cmpstr(cmd->tag, ==, "a1");
    g_assert_cmpstr(cmd->name, ==, "LOGIN");
    g_assert_cmpuint(cmd->args->len, ==, 2);
    ImapArg *user = cmd->args->pdata[0], *pass = cmd->args->pdata[1];
    g_assert_cmpint(user->type, ==, IMAP_ARG_STRING);
    g_assert_cmpstr(user->str, ==, "joe");
    g_assert_cmpint(pass->type, ==, IMAP_ARG_LITERAL);
    g_assert_cmpuint(pass->len, ==, 5);
    g_assert_cmpstr(pass->str, ==, "se\"c ");
}

static void
test_fetch_items(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapCommand) cmd = parse(
        "A2 UID FETCH 1:*,4 (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> UID)\r\n", &error);

    g_assert_no_error(error);
    g_assert_cmpstr(cmd->name, ==, "UID");
    g_assert_cmpuint(cmd->args->len, ==, 3);
    g_assert_true(imap_arg_atom_is(cmd->args->pdata[0], "fetch"));
    g_assert_cmpstr(((ImapArg *)cmd->args->pdata[1])->str, ==, "1:*,4");
    ImapArg *list = cmd->args->pdata[2];
    g_assert_cmpint(list->type, ==, IMAP_ARG_LIST);
    g_assert_cmpuint(list->list->len, ==, 3);
    g_assert_cmpstr(((ImapArg *)list->list->pdata[1])->str, ==,
                    "BODY.PEEK[HEADER.FIELDS (From To)]<0.100>");
}

static void
test_flags_nil_nested(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapCommand) cmd =
        parse("t STORE 1 +FLAGS (\\Seen \\Deleted $Junk) NIL ((a) (b (c)))", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(cmd->args->len, ==, 5);
    ImapArg *flags = cmd->args->pdata[2];
    g_assert_cmpstr(((ImapArg *)flags->list->pdata[0])->str, ==, "\\Seen");
    g_assert_cmpint(((ImapArg *)cmd->args->pdata[3])->type, ==, IMAP_ARG_NIL);
    ImapArg *nested = cmd->args->pdata[4];
    g_assert_cmpuint(nested->list->len, ==, 2);
}

static void
test_no_args_and_wildcards(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapCommand) noop = parse("x noop\r\n", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(noop->args->len, ==, 0);

    g_autoptr(ImapCommand) list = parse("y LIST \"\" %/*\r\n", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(((ImapArg *)list->args->pdata[1])->str, ==, "%/*");
}

static void
expect_bad(const char *input, int code)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tag = NULL;
    ImapCommand *cmd = imap_parse_command(input, strlen(input), &tag, &error);

    g_assert_null(cmd);
    g_assert_error(error, IMAP_PARSE_ERROR, code);
    if (code == IMAP_PARSE_ERROR_SYNTAX)
        g_assert_nonnull(tag);
}

static void
test_errors(void)
{
    expect_bad("", IMAP_PARSE_ERROR_NO_TAG);
    expect_bad("* LOGIN", IMAP_PARSE_ERROR_NO_TAG);
    expect_bad("a1", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 LOGIN \"unterminated", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 LOGIN \"bad\\escape\"", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X (a b", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X a)", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X  a", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X a ", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X {10}\r\nshort", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X {3}x", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X BODY[TEXT", IMAP_PARSE_ERROR_SYNTAX);
    expect_bad("a1 X {3}\r\na\0b", IMAP_PARSE_ERROR_SYNTAX);
}

static void
test_deep_nesting(void)
{
    g_autoptr(GString) s = g_string_new("a1 X ");
    for (int i = 0; i < 1000; i++)
        g_string_append_c(s, '(');
    g_autoptr(GError) error = NULL;
    ImapCommand *cmd = imap_parse_command(s->str, s->len, NULL, &error);
    g_assert_null(cmd);
    g_assert_error(error, IMAP_PARSE_ERROR, IMAP_PARSE_ERROR_SYNTAX);
}

static void
test_line_literal(void)
{
    guint64 n = 0;
    gboolean nonsync = FALSE;

    g_assert_true(imap_line_literal("a APPEND INBOX {310}\r\n", 22, &n, &nonsync));
    g_assert_cmpuint(n, ==, 310);
    g_assert_false(nonsync);
    g_assert_true(imap_line_literal("a APPEND INBOX ~{7+}\n", 21, &n, &nonsync));
    g_assert_cmpuint(n, ==, 7);
    g_assert_true(nonsync);
    g_assert_false(imap_line_literal("a NOOP\r\n", 8, &n, &nonsync));
    g_assert_false(imap_line_literal("a X {}\r\n", 8, &n, &nonsync));
    g_assert_false(imap_line_literal("a X }\r\n", 7, &n, &nonsync));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/parser/simple", test_simple);
    g_test_add_func("/imap/parser/fetch-items", test_fetch_items);
    g_test_add_func("/imap/parser/flags-nil-nested", test_flags_nil_nested);
    g_test_add_func("/imap/parser/no-args-wildcards", test_no_args_and_wildcards);
    g_test_add_func("/imap/parser/errors", test_errors);
    g_test_add_func("/imap/parser/deep-nesting", test_deep_nesting);
    g_test_add_func("/imap/parser/line-literal", test_line_literal);
    return g_test_run();
}
