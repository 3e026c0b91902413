/* Compiled by build.rs through the cc crate with the target's C compiler. */
int lab_c_answer(void) {
#if defined(__aarch64__)
    return 183;
#elif defined(__arm__)
    return 40;
#elif defined(__x86_64__)
    return 62;
#else
    return 0;
#endif
}
