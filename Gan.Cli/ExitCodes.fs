/// The exit codes of `gan`, documented in `gan --help`.
module Gan.Cli.ExitCodes

[<Literal>]
let Ok = 0
/// Bad input: a spec with errors, bad data, a bad checkpoint, bad argument values.
[<Literal>]
let BadInput = 1
/// Command-line usage error (unknown verb or flag, missing argument).
[<Literal>]
let Usage = 2
/// Internal error: a bug in GanDsl. The stack trace goes to a log file.
[<Literal>]
let Internal = 3

/// A type to find this assembly by.
type Marker = class end

let helpText =
    """EXIT CODES:
    0  success
    1  bad input: spec errors, bad data, checkpoint or argument values (message says where and how to fix)
    2  command-line usage error
    3  internal error (a bug): the stack trace is written to a log file whose path is printed"""
