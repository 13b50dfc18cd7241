# Guests of tests/system/test_console_lines.py: two line generators that print
# at once, a "login: " prompt without newline, and a TSC time stamp every 10 ms.
TEST_ELF64 += lines lines_b prompt stamp
