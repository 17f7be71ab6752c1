using Noether.Cli;

// Register the bundled fonts first, so plot text never depends on the fonts a machine happens to have.
Noether.Plots.PlotFonts.EnsureRegistered();
return await NoetherApp.RunAsync(args);
