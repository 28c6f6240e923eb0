module Gan.Tests.AssemblyInfo

// libtorch's random generator is process-wide: tests that seed it (training, determinism, finite
// differences through dropout) would disturb each other if they ran on parallel threads.
[<assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)>]
do ()
