mod cli;
mod emulator;
mod emulator_support;
mod explain;
mod scenarios;
