/// `gan data mnist|fashion-mnist|emoji`: download and verify a dataset into the cache.
module Gan.Cli.Commands.Data

open Argu
open Gan.Cli
open Gan.Runtime

type Dataset =
    | Mnist
    | [<CustomCommandLine("fashion-mnist")>] Fashion_Mnist
    | Emoji

type Args =
    | [<MainCommand; ExactlyOnce>] Dataset of Dataset
    | Force
    | Where

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Dataset _ ->
                "mnist (the four MNIST IDX files), fashion-mnist (the four Fashion-MNIST IDX files) "
                + "or emoji (3,786 64×64 Twitter emoji PNGs)."
            | Force -> "fetch again even when the cache has the files."
            | Where -> "print the cache folder of the dataset and exit."

let run (args: ParseResults<Args>) =
    let name, done' =
        match args.GetResult Dataset with
        | Mnist -> "mnist", sprintf "MNIST: %s (4 files, SHA-256 verified)"
        | Fashion_Mnist -> "fashion-mnist", sprintf "Fashion-MNIST: %s (4 files, SHA-256 verified)"
        | Emoji -> "emoji", sprintf "emoji: %s"
    if args.Contains Where then printfn "%s" (GanData.Folder name)
    else printfn "%s" (done' (GanData.Fetch(name, args.Contains Force, Console.err)))
    ExitCodes.Ok
