/* The host's GDT and TSS (Intel SDM Vol. 3A 3.4.5, 8.7). */
#ifndef KESTREL_KERNEL_GDT_H
#define KESTREL_KERNEL_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS 0x18

/* Interrupt stack table slots: faults that may hit with a broken stack. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

void gdt_init(void);
/* What VMCS host-state fields need (SDM Vol. 3C 25.5). */
uint64_t gdt_base(void);
uint64_t tss_base(void);

#endif
