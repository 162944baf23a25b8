// ThreadSanitizer's options for the threading tests' binary (preset tsan), built in so that they hold
// however the binary is started: stop at the first report, and report nothing inside libraries
// that are not instrumented.
extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1";
}
