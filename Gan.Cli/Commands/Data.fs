/// `gan data mnist|emoji`: download and verify a dataset into the cache.
module Gan.Cli.Commands.Data

open Argu
open Gan.Cli
open Gan.Runtime.Data

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
    let notice (s: string) = eprintfn "%s" s
    let force = args.Contains Force
    match args.GetResult Dataset with
    | Mnist ->
        if args.Contains Where then printfn "%s" DataCache.MnistDir
        else
            DataCache.FetchMnist(notice, force)
            printfn "MNIST: %s (4 files, SHA-256 verified)" DataCache.MnistDir
    | Emoji ->
        if args.Contains Where then printfn "%s" DataCache.EmojiDir
        else
            DataCache.FetchEmoji(notice, force)
            printfn "emoji: %s" DataCache.EmojiDir
    ExitCodes.Ok
