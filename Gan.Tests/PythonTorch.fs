/// Debian's PyTorch (/usr/bin/python3 with python3-torch) as the oracle: whether it is there, a runner, and the test
/// attributes that skip, with one clear reason, where it is not (.ci/run installs it, so CI always runs them).
module Gan.Tests.PythonTorch

open Xunit

/// The interpreter that sees Debian's torch (a pyenv python3 earlier on PATH does not).
let interpreter = "/usr/bin/python3"

/// Runs the interpreter with ARGS in DIR; returns the exit code, stdout and stderr (killed after the timeout).
let run (dir: string) (args: string list) (timeoutSeconds: int) =
    TestFiles.runProcess interpreter args dir [ "OMP_NUM_THREADS", "1" ] timeoutSeconds

/// Whether /usr/bin/python3 can import torch.
let available =
    lazy
        (try
            let rc, _, _ = run "." [ "-c"; "import torch" ] 120
            rc = 0
         with _ -> false)

let private reason = "/usr/bin/python3 cannot import torch (on Debian: apt-get install python3-torch; .ci/run installs it)"

/// A fact that runs only where /usr/bin/python3 can import torch.
type PythonTorchFactAttribute() as this =
    inherit FactAttribute()
    do if not available.Value then this.Skip <- reason

/// A theory that runs only where /usr/bin/python3 can import torch.
type PythonTorchTheoryAttribute() as this =
    inherit TheoryAttribute()
    do if not available.Value then this.Skip <- reason
