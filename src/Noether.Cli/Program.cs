using Noether.Cli;

return await NoetherApp.RunAsync(args);
