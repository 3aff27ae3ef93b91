//! `kiosk camera list`: the cameras V4L2 reports and their modes, and the mode the kiosk would
//! choose.

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum CameraCommand {
    /// Lists cameras and their modes.
    List,
}

#[cfg(feature = "camera-v4l")]
pub fn run(command: CameraCommand) -> ExitCode {
    use crate::devices::camera::{format, v4l};
    let CameraCommand::List = command;
    match v4l::list() {
        Ok(cameras) if cameras.is_empty() => {
            println!("no cameras found");
            ExitCode::FAILURE
        }
        Ok(cameras) => {
            let (w, h, fps) = v4l::WANT;
            for (device, name, modes) in cameras {
                println!("{device}  {name}");
                for m in &modes {
                    println!(
                        "    {:?} {}×{} @ {} fps",
                        m.format, m.width, m.height, m.fps
                    );
                }
                match format::choose(&modes, w, h, fps) {
                    Some(m) => println!(
                        "  kiosk would use {:?} {}×{} @ {} fps",
                        m.format, m.width, m.height, m.fps
                    ),
                    None => println!(
                        "  unusable: no MJPEG or YUYV mode of at least {w}×{h} at {fps} fps"
                    ),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "camera-v4l"))]
pub fn run(_command: CameraCommand) -> ExitCode {
    eprintln!("this build has no V4L2 camera support (feature camera-v4l)");
    ExitCode::FAILURE
}
