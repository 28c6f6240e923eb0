/// `gan data mnist|emoji`: download and verify a dataset into the cache.
module Gan.Cli.Commands.Data

open Argu
open Gan.Cli
open Gan.Runtime

type Dataset =
    | Mnist
    | Emoji

type Args =
    | [<MainCommand; ExactlyOnce>] Dataset of Dataset
    | Force
    | Where

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Dataset _ -> "mnist (the four MNIST IDX files) or emoji (3,786 64×64 Twitter emoji PNGs)."
            | Force -> "fetch again even when the cache has the files."
            | Where -> "print the cache folder of the dataset and exit."

let run (args: ParseResults<Args>) =
    let name = match args.GetResult Dataset with Mnist -> "mnist" | Emoji -> "emoji"
    if args.Contains Where then printfn "%s" (GanData.Folder name)
    else
        let folder = GanData.Fetch(name, args.Contains Force, fun s -> eprintfn "%s" s)
        match name with
        | "mnist" -> printfn "MNIST: %s (4 files, SHA-256 verified)" folder
        | _ -> printfn "emoji: %s" folder
    ExitCodes.Ok
