using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Noether.Bench -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
