/* The pattern ept_write stores and ept_read must never see (EPT isolation test). */
#ifndef TESTS_GUESTS_EPT_PATTERN_H
#define TESTS_GUESTS_EPT_PATTERN_H

#include <stdint.h>

#define EPT_PATTERN_GPA   0x200000u /* 2 MiB: inside every guest's RAM */
#define EPT_PATTERN_WORDS 1024u     /* one 4 KiB page */

static inline uint32_t ept_pattern_word(uint32_t i)
{
	return 0x4B450000u ^ (i * 0x9E3779B1u);
}

#endif
