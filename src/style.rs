//! Colour: decided once from `--color`, `NO_COLOR`, `CLICOLOR_FORCE`, `TERM` and whether
//! stdout is a terminal, then passed to renderers as a palette (plain styles when off).
//! Machine formats never get colour.

use std::io::IsTerminal;

use owo_colors::Style;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Whether to colour stdout.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if anstyle_query::no_color() {
                return false;
            }
            if anstyle_query::clicolor_force() {
                return true;
            }
            if std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
                return false;
            }
            std::io::stdout().is_terminal()
        }
    }
}

/// The styles of the text report.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub pass: Style,
    pub error: Style,
    pub warning: Style,
    pub info: Style,
    pub unknown: Style,
    pub dim: Style,
    pub bold: Style,
    pub code: Style,
}

impl Palette {
    pub fn new(color: bool) -> Self {
        if !color {
            let plain = Style::new();
            return Self {
                pass: plain,
                error: plain,
                warning: plain,
                info: plain,
                unknown: plain,
                dim: plain,
                bold: plain,
                code: plain,
            };
        }
        Self {
            pass: Style::new().green(),
            error: Style::new().red().bold(),
            warning: Style::new().yellow().bold(),
            info: Style::new().cyan(),
            unknown: Style::new().magenta().bold(),
            dim: Style::new().dimmed(),
            bold: Style::new().bold(),
            code: Style::new().cyan(),
        }
    }
}
