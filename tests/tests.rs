mod cli;
mod emulator;
mod emulator_support;
mod scenarios;
