mod cli;
mod emulator;
mod emulator_support;
mod explain;
mod install;
mod lint;
mod scenarios;
mod support;
