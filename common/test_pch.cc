// The translation unit that builds the tests' shared precompiled header (see the top-level
// CMakeLists.txt, fl_test_pch); it has no code of its own.
