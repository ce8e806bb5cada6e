mod cli;
mod emulator;
mod emulator_support;
mod explain;
mod lint;
mod scenarios;
mod support;
